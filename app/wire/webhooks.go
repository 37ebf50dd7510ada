package wire

import (
	"net/netip"

	"github.com/assayhq/assay/app/webhook"
)

// endpointSealer opens and seals the signing secrets of organizations' webhook
// endpoints. A key that does not parse (refused by config validation before this)
// leaves endpoint webhooks unsigned and unsent, and says so.
func (b *Base) endpointSealer() *webhook.Sealer {
	s, err := webhook.NewSealerBase64(b.Config.WebhookEncryptionKey)
	if err != nil {
		b.Log.Error("wire: webhook endpoints disabled: WEBHOOK_ENCRYPTION_KEY", "err", err)
		return nil
	}
	return s
}

// allowedPrivate are the private ranges of ALLOWED_PRIVATE_ADDRESSES.
func (b *Base) allowedPrivate() []netip.Prefix {
	allowed, _ := b.Config.AllowedPrivatePrefixes() // validated at load
	return allowed
}
