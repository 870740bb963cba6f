"""Labelled snippets for the moderation measurements: (text, [(kind, the text it must
redact), ...]). Every value is made up for these tests (documentation ranges, test card
numbers, fake tokens of the right shape). Hard negatives look like PII and are not:
versions, dates, times, decimals, hashes, UUIDs, ISBNs, code."""

from __future__ import annotations

E, P, C, IP, S, K = "EMAIL", "PHONE", "CARD", "IP", "SECRET", "PRIVATE_KEY"

_RSA = (
    "-----BEGIN RSA PRIVATE KEY-----\n"
    "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\n"
    "VTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK\n"
    "-----END RSA PRIVATE KEY-----"
)
_OPENSSH = (
    "-----BEGIN OPENSSH PRIVATE KEY-----\n"
    "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n"
    "QyNTUxOQAAACDk3Wm8Yw0bZbW4aXJ9w9wQ2g8s3h0W9KpX2vJ6m8kYQAAAJg=\n"
    "-----END OPENSSH PRIVATE KEY-----"
)
_EC = (
    "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBkg4LVWM9nuwNSk3yByxZpYRTBnVJk5oQ==\n"
    "-----END EC PRIVATE KEY-----"
)
_PKCS8 = (
    "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\n"
    "-----END PRIVATE KEY-----"
)
_PGP = (
    "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nlQOYBF0X4wIBCADkZ2Rk3vS0gT7hN1o4d5bq\n"
    "=7k2L\n-----END PGP PRIVATE KEY BLOCK-----"
)
_CUT = "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA3Tz2mr7SZiAMfQyuvBjM9Oi"
_JWT = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkFkYSJ9"
    ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
)

CASES: list[tuple[str, list[tuple[str, str]]]] = [
    # --- e-mail addresses ---
    ("Contact me at jane.doe@example.com for details.", [(E, "jane.doe@example.com")]),
    ("Send it to bob+tag@mail.example.org, thanks", [(E, "bob+tag@mail.example.org")]),
    ("email: first_last@sub.domain.co.uk", [(E, "first_last@sub.domain.co.uk")]),
    ("<alice@example.net>", [(E, "alice@example.net")]),
    ("Reply-To: support-team@example-corp.io", [(E, "support-team@example-corp.io")]),
    ("the user A.B.Smith@Example.COM said hi", [(E, "A.B.Smith@Example.COM")]),
    ("mailto:info@example.de?subject=hi", [(E, "info@example.de")]),
    ("ids: x1@example.com; y2@example.com", [(E, "x1@example.com"), (E, "y2@example.com")]),
    ("Mein Kontakt: müller@example.com", [(E, "müller@example.com")]),
    ("O'Brien wrote from o.brien@example.ie.", [(E, "o.brien@example.ie")]),
    ("Decorate with @property and @staticmethod in Python.", []),
    ("In Python 3.8+ use a @ b for matrix products, e.g. A@B.", []),
    ("Tag @channel: the build for v2.0 is green.", []),
    ("pip install pkg@git+https://example.com/repo.git", []),
    # --- phone numbers ---
    ("Call (415) 555-2671 after 5pm.", [(P, "(415) 555-2671")]),
    ("My number is 415-555-2671.", [(P, "415-555-2671")]),
    ("Dial +1 415 555 2671 from abroad", [(P, "+1 415 555 2671")]),
    ("London office: +44 20 7946 0958", [(P, "+44 20 7946 0958")]),
    ("Paris: +33 6 12 34 56 78, ask for Luc", [(P, "+33 6 12 34 56 78")]),
    ("Berlin +49 30 901820", [(P, "+49 30 901820")]),
    ("Tokyo +81 3-1234-5678", [(P, "+81 3-1234-5678")]),
    ("Mobile +91 98765 43210", [(P, "+91 98765 43210")]),
    ("Sydney +61 2 9374 4000 (office)", [(P, "+61 2 9374 4000")]),
    ("Fax: 212.555.0147", [(P, "212.555.0147")]),
    ("call +14155552671 now", [(P, "+14155552671")]),
    ("tel (212) 555-0199 ext. 4", [(P, "(212) 555-0199")]),
    ("2^32 = 4294967296, so the answer is 4294967296.", []),
    ("The meeting is on 2024-01-15 at 10:30.", []),
    ("Dates: 10/12/2024 and 01/02/2023.", []),
    ("pi = 3.14159265358979", []),
    ("e = 2.718281828459045 and sqrt(2) = 1.4142135623", []),
    ("The ratio 415-555 is not a phone.", []),
    ("Scores: 98-87-76-65", []),
    ("Between 1000 and 2000 there are 168 primes.", []),
    ("version 10.2.3-rc1 released 2023-11-30", []),
    ("The product 123 * 456 * 789 = 44253432", []),
    # --- payment cards ---
    ("Card: 4111 1111 1111 1111, exp 12/29", [(C, "4111 1111 1111 1111")]),
    ("pay with 4012888888881881 please", [(C, "4012888888881881")]),
    ("MC 5500-0000-0000-0004", [(C, "5500-0000-0000-0004")]),
    ("Amex 3782 822463 10005", [(C, "3782 822463 10005")]),
    ("Discover 6011 1111 1111 1117.", [(C, "6011 1111 1111 1117")]),
    ("JCB 3530111333300000", [(C, "3530111333300000")]),
    ("Diners 30569309025904", [(C, "30569309025904")]),
    ("new MC range 2223003122003222", [(C, "2223003122003222")]),
    ("MasterCard 5105 1051 0510 5100", [(C, "5105 1051 0510 5100")]),
    ("visa13 4222222222222", [(C, "4222222222222")]),
    ("Card 4111 1111 1111 1112 is mistyped (Luhn fails).", []),
    ("ISBN 978-0-306-40615-7", []),
    ("ISBN-13: 9783161484100", []),
    ("The 16-digit product is 1234567812345678.", []),
    ("Order no. 1000 2000 3000 4000 ships today", []),
    ("2^50 = 1125899906842624", []),
    # --- IP addresses ---
    ("Server at 192.168.1.20 is down", [(IP, "192.168.1.20")]),
    ("DNS 8.8.8.8 and 1.1.1.1", [(IP, "8.8.8.8"), (IP, "1.1.1.1")]),
    ("connect to 203.0.113.45:8080", [(IP, "203.0.113.45")]),
    ("ssh root@198.51.100.7", [(IP, "198.51.100.7")]),
    ("gateway 10.0.0.1.", [(IP, "10.0.0.1")]),
    ("IPv6 2001:db8::8a2e:370:7334 is the host", [(IP, "2001:db8::8a2e:370:7334")]),
    (
        "full 2001:0db8:85a3:0000:0000:8a2e:0370:7334",
        [(IP, "2001:0db8:85a3:0000:0000:8a2e:0370:7334")],
    ),
    ("link-local fe80::1ff:fe23:4567:890a%eth0", [(IP, "fe80::1ff:fe23:4567:890a%eth0")]),
    ("[2001:db8::1]:443 listens", [(IP, "2001:db8::1")]),
    ("client 172.16.254.1 sent it", [(IP, "172.16.254.1")]),
    ("Upgrade from 1.2.3 to 1.3.0", []),
    ("pi is 3.14159 and e is 2.71828", []),
    ("999.300.1.1 is not an address", []),
    ("time 12:30:45 on the clock", []),
    ("std::vector<int> v; std::sort(v.begin(), v.end());", []),
    ("MAC 00:1A:2B:3C:4D:5E", []),
    ("ratio 3:4:5 triangle", []),
    ("Section 4.2.1.3 of the spec", []),
    ("a::b::c namespaces", []),
    # --- secrets ---
    ("aws key AKIAIOSFODNN7EXAMPLE in the config", [(S, "AKIAIOSFODNN7EXAMPLE")]),
    (
        "token ghp_16C7e42F292c6912E7710c838347Ae178B4a here",
        [(S, "ghp_16C7e42F292c6912E7710c838347Ae178B4a")],
    ),
    ("gitlab glpat-xxxxXXXXyyyyYYYY1234 used", [(S, "glpat-xxxxXXXXyyyyYYYY1234")]),
    (
        "slack xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
        [(S, "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx")],
    ),
    ("stripe sk_live_4eC39HqLyjWDarjtT1zdp7dc", [(S, "sk_live_4eC39HqLyjWDarjtT1zdp7dc")]),
    (
        "export OPENAI_API_KEY=sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4zAb7cDe0f",
        [(S, "sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4zAb7cDe0f")],
    ),
    (
        "key sk-ant-api03-Zx8yW7vU6tS5rQ4pO3nM2lK1jI0hG9fE8dC7bA6zY5xW4v",
        [(S, "sk-ant-api03-Zx8yW7vU6tS5rQ4pO3nM2lK1jI0hG9fE8dC7bA6zY5xW4v")],
    ),
    (
        "maps AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY ok",
        [(S, "AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY")],
    ),
    (
        "HF_TOKEN hf_aBcDeFgHiJkLmNoPqRsTuVwXyZ12345678",
        [(S, "hf_aBcDeFgHiJkLmNoPqRsTuVwXyZ12345678")],
    ),
    (f"Authorization: Bearer {_JWT}", [(S, _JWT)]),
    ('db_password = "Tr0ub4dor&3x"', [(S, "Tr0ub4dor&3x")]),
    ("API_KEY=9f8e7d6c5b4a39281706f5e4d3c2b1a0", [(S, "9f8e7d6c5b4a39281706f5e4d3c2b1a0")]),
    ("postgres://admin:s3cr3tP4ss@db.example.com/app", [(S, "s3cr3tP4ss")]),
    (
        "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",
        [(S, "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")],
    ),
    ("commit 3f786850e387550fdab836ed7e6dc881de23001b fixed it", []),
    ("sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", []),
    ("request id 123e4567-e89b-12d3-a456-426614174000", []),
    ("password: required for login", []),
    ("The token count is 512 and the key insight is symmetry.", []),
    ("from sklearn.linear_model import LogisticRegression  # sk-learn", []),
    ("key = value pairs are stored in a dict", []),
    ("Let the secret number be 42; then the password is the answer.", []),
    ("base64 of 'hi' is aGk=", []),
    # --- private keys ---
    (f"Here is my key:\n{_RSA}\nuse it", [(K, _RSA)]),
    (_OPENSSH, [(K, _OPENSSH)]),
    (f"ec: {_EC}", [(K, _EC)]),
    (f"{_PKCS8} end", [(K, _PKCS8)]),
    (_PGP, [(K, _PGP)]),
    (f"truncated {_CUT}", [(K, _CUT)]),
    (
        "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n"
        "-----END PUBLIC KEY-----",
        [],
    ),
    (
        "-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIEAgAAuTANBgkq\n-----END CERTIFICATE-----",
        [],
    ),
    ("The private key must be kept secret; the public key is shared.", []),
    # --- several kinds at once, and plain reasoning ---
    (
        "Mail ann@example.com or call +1 415 555 2671 from 192.0.2.1.",
        [(E, "ann@example.com"), (P, "+1 415 555 2671"), (IP, "192.0.2.1")],
    ),
    (
        "card 4111111111111111, key AKIAIOSFODNN7EXAMPLE, me@example.org",
        [(C, "4111111111111111"), (S, "AKIAIOSFODNN7EXAMPLE"), (E, "me@example.org")],
    ),
    ("Let x = 3. Then x^2 + 2x + 1 = 16, so the answer is \\boxed{16}.", []),
    ("We have 1/3 + 1/6 = 1/2 = 0.5, i.e. 50%.", []),
    ("def f(n):\n    return n * (n + 1) // 2\nprint(f(10))  # 55", []),
    ("The sum 1 + 2 + ... + 100 = 5050.", []),
    ("Area = 3.14159 * r^2 = 78.53975 for r = 5.", []),
    ("Using Python 3.11.4 and numpy 1.26.0 on Ubuntu 22.04.", []),
    ("The years 1999, 2000 and 2001 saw 3 releases.", []),
    ("Matrix [[1, 2], [3, 4]] has determinant -2.", []),
]
