package auth

// commonPasswords holds, lower-cased, the most frequent passwords of 8 or more characters
// from public breach corpora (NCSC top 100k, SecLists top lists). Shorter ones are already
// refused by the length rule. Matching is case-insensitive.
var commonPasswords = toSet(
	"password", "password1", "password12", "password123", "password1234", "password!",
	"passw0rd", "p@ssw0rd", "p@ssword", "pa$$word", "passwort", "motdepasse",
	"12345678", "123456789", "1234567890", "0123456789", "123456789a", "12345678910",
	"87654321", "987654321", "0987654321", "11111111", "111111111", "1111111111",
	"00000000", "000000000", "22222222", "55555555", "66666666", "77777777", "88888888",
	"99999999", "12121212", "12341234", "11223344", "112233445566", "123123123",
	"123321123", "1234554321", "147258369", "159753456", "123654789", "789456123",
	"1q2w3e4r", "1q2w3e4r5t", "1q2w3e4r5t6y", "1qaz2wsx", "1qaz2wsx3edc", "zaq12wsx",
	"qwerty12", "qwerty123", "qwerty1234", "qwertyui", "qwertyuiop", "qwerty123456",
	"asdfghjk", "asdfghjkl", "asdf1234", "zxcvbnm1", "zxcvbnm123", "q1w2e3r4",
	"q1w2e3r4t5", "qazwsxedc", "1q2w3e4r!", "abcd1234", "abc12345", "abc123456",
	"abcdefgh", "a1b2c3d4", "aa123456", "iloveyou", "iloveyou1", "iloveyou2",
	"sunshine", "princess", "football", "baseball", "basketball", "superman",
	"starwars", "whatever", "trustno1", "computer", "internet", "michelle",
	"jennifer", "corvette", "mercedes", "samantha", "danielle", "jordan23",
	"liverpool", "chelsea1", "arsenal1", "pokemon1", "pakistan", "babygirl",
	"lovelove", "sunshine1", "princess1", "football1", "welcome1", "welcome123",
	"letmein1", "letmein123", "admin123", "administrator", "changeme", "changeme123",
	"secret123", "master123", "monkey123", "dragon123", "shadow123", "charlie1",
	"access14", "flower123", "loveme123", "q1w2e3r4t5y6", "test1234", "testtest",
	"baseball1", "11111111a", "aaaaaaaa", "qqqqqqqq", "azerty123", "azertyuiop",
)

func toSet(words ...string) map[string]struct{} {
	m := make(map[string]struct{}, len(words))
	for _, w := range words {
		m[w] = struct{}{}
	}
	return m
}
