package config

// DefaultMetricsAddr is where production serves metrics when METRICS_ADDR is unset.
const DefaultMetricsAddr = ":9090"

// MetricsListen is the address the metrics endpoint listens on, "" for none: METRICS_ADDR
// when set ("off" turns it off), otherwise DefaultMetricsAddr in production and nothing
// elsewhere. It is an internal port, never one of the apps' public ones.
func (c Config) MetricsListen() string {
	switch c.MetricsAddr {
	case "off":
		return ""
	case "":
		if c.Production() {
			return DefaultMetricsAddr
		}
		return ""
	}
	return c.MetricsAddr
}
