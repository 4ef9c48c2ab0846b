#include "detect/wallet.h"
#include "util/strutil.h"

#include <openssl/evp.h>
#include <string.h>

/* ---- Keccak-256 ---------------------------------------------------------- */

static const uint64_t keccak_rc[24] = {
    0x0000000000000001ULL, 0x0000000000008082ULL, 0x800000000000808aULL, 0x8000000080008000ULL,
    0x000000000000808bULL, 0x0000000080000001ULL, 0x8000000080008081ULL, 0x8000000000008009ULL,
    0x000000000000008aULL, 0x0000000000000088ULL, 0x0000000080008009ULL, 0x000000008000000aULL,
    0x000000008000808bULL, 0x800000000000008bULL, 0x8000000000008089ULL, 0x8000000000008003ULL,
    0x8000000000008002ULL, 0x8000000000000080ULL, 0x000000000000800aULL, 0x800000008000000aULL,
    0x8000000080008081ULL, 0x8000000000008080ULL, 0x0000000080000001ULL, 0x8000000080008008ULL};
/* rho rotation offsets and pi lane order, in the order the lanes are visited */
static const unsigned keccak_rot[24] = {1,  3,  6,  10, 15, 21, 28, 36, 45, 55, 2,  14,
                                        27, 41, 56, 8,  25, 43, 62, 18, 39, 61, 20, 44};
static const unsigned keccak_pi[24] = {10, 7,  11, 17, 18, 3, 5,  16, 8,  21, 24, 4,
                                       15, 23, 19, 13, 12, 2, 20, 14, 22, 9,  6,  1};

static uint64_t rotl64(uint64_t x, unsigned n)
{
	return (x << n) | (x >> (64 - n));
}

static void keccak_f(uint64_t s[25])
{
	for (int round = 0; round < 24; round++) {
		uint64_t c[5], t;

		for (int x = 0; x < 5; x++)
			c[x] = s[x] ^ s[x + 5] ^ s[x + 10] ^ s[x + 15] ^ s[x + 20];
		for (int x = 0; x < 5; x++) {
			t = c[(x + 4) % 5] ^ rotl64(c[(x + 1) % 5], 1);
			for (int y = 0; y < 25; y += 5)
				s[y + x] ^= t;
		}
		t = s[1];
		for (int i = 0; i < 24; i++) {
			uint64_t next = s[keccak_pi[i]];

			s[keccak_pi[i]] = rotl64(t, keccak_rot[i]);
			t = next;
		}
		for (int y = 0; y < 25; y += 5) {
			for (int x = 0; x < 5; x++)
				c[x] = s[y + x];
			for (int x = 0; x < 5; x++)
				s[y + x] = c[x] ^ (~c[(x + 1) % 5] & c[(x + 2) % 5]);
		}
		s[0] ^= keccak_rc[round];
	}
}

void wallet_keccak256(uint8_t out[32], const void *data, size_t len)
{
	enum { RATE = 136 };
	const uint8_t *p = data;
	uint64_t s[25] = {0};
	uint8_t block[RATE];

	while (len >= RATE) {
		for (int i = 0; i < RATE / 8; i++) {
			uint64_t lane = 0;

			for (int b = 7; b >= 0; b--)
				lane = (lane << 8) | p[i * 8 + b];
			s[i] ^= lane;
		}
		keccak_f(s);
		p += RATE;
		len -= RATE;
	}
	memset(block, 0, sizeof(block));
	memcpy(block, p, len);
	block[len] = 0x01;
	block[RATE - 1] |= 0x80;
	for (int i = 0; i < RATE / 8; i++) {
		uint64_t lane = 0;

		for (int b = 7; b >= 0; b--)
			lane = (lane << 8) | block[i * 8 + b];
		s[i] ^= lane;
	}
	keccak_f(s);
	for (int i = 0; i < 32; i++)
		out[i] = (uint8_t)(s[i / 8] >> (8 * (i % 8)));
}

/* ---- helpers ------------------------------------------------------------- */

static const char b58_alphabet[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

static int b58_digit(char c)
{
	const char *p = c ? strchr(b58_alphabet, c) : NULL;

	return p ? (int)(p - b58_alphabet) : -1;
}

static void set(struct validation *out, enum validation_result r, enum severity sev,
                const char *reason)
{
	memset(out, 0, sizeof(*out));
	out->result = r;
	out->severity = sev;
	out->status = ST_ACTIVE;
	str_copy(out->reason, reason, sizeof(out->reason));
}

/* ---- Monero -------------------------------------------------------------- */

/* Characters of an encoded block of n bytes (index n), Monero's base58. */
static const int xmr_block_chars[9] = {0, 2, 3, 5, 6, 7, 9, 10, 11};

static int xmr_decode_block(uint8_t *out, const char *s, size_t chars)
{
	int bytes = -1;
	unsigned __int128 num = 0;

	for (int i = 0; i < 9; i++)
		if ((size_t)xmr_block_chars[i] == chars)
			bytes = i;
	if (bytes <= 0)
		return -1;
	for (size_t i = 0; i < chars; i++) {
		int d = b58_digit(s[i]);

		if (d < 0)
			return -1;
		num = num * 58 + (unsigned)d;
	}
	if (bytes < 8 && num >> (8 * bytes))
		return -1;
	if (num >> 64)
		return -1;
	for (int i = bytes - 1; i >= 0; i--) {
		out[i] = (uint8_t)num;
		num >>= 8;
	}
	return bytes;
}

/* Decodes a Monero base58 string; returns the byte count or -1. */
static int xmr_decode(uint8_t *out, size_t cap, const char *s, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i += 11) {
		size_t chars = len - i < 11 ? len - i : 11;
		int got;

		if (n + 8 > cap)
			return -1;
		got = xmr_decode_block(out + n, s + i, chars);
		if (got < 0)
			return -1;
		n += (size_t)got;
	}
	return (int)n;
}

void validate__monero_address(struct validation *out, const char *v, size_t len, const char *ctx,
                              size_t ctx_len)
{
	uint8_t raw[96], hash[32];
	int n;

	if (len != 95 && len != 106) {
		set(out, VALIDATION_REJECT, SEV_INFO, "not a Monero address length");
		return;
	}
	n = xmr_decode(raw, sizeof(raw), v, len);
	if (n != (len == 95 ? 69 : 77)) {
		set(out, VALIDATION_REJECT, SEV_INFO, "not Monero base58");
		return;
	}
	wallet_keccak256(hash, raw, (size_t)n - 4);
	if (memcmp(hash, raw + n - 4, 4)) {
		set(out, VALIDATION_REJECT, SEV_INFO, "Monero checksum does not match");
		return;
	}
	switch (raw[0]) {
	case 18:
		set(out, VALIDATION_OK, SEV_HIGH, "Monero address, checksum verified");
		break;
	case 19:
		set(out, VALIDATION_OK, SEV_HIGH, "Monero integrated address, checksum verified");
		break;
	case 42:
		set(out, VALIDATION_OK, SEV_HIGH, "Monero subaddress, checksum verified");
		break;
	case 53:
	case 54:
	case 63:
	case 24:
	case 25:
	case 36:
		set(out, VALIDATION_WEAK, SEV_LOW, "Monero testnet/stagenet address");
		break;
	default:
		set(out, VALIDATION_REJECT, SEV_INFO, "unknown Monero network byte");
	}
}

/* ---- Bitcoin ------------------------------------------------------------- */

/* Standard base58 (big number) into out; returns the byte count or -1. */
static int b58_decode(uint8_t *out, size_t cap, const char *s, size_t len)
{
	uint8_t num[64] = {0};
	size_t zeros = 0, size = sizeof(num);

	while (zeros < len && s[zeros] == '1')
		zeros++;
	for (size_t i = 0; i < len; i++) {
		int d = b58_digit(s[i]);
		unsigned carry;

		if (d < 0)
			return -1;
		carry = (unsigned)d;
		for (size_t k = size; k-- > 0;) {
			carry += 58u * num[k];
			num[k] = (uint8_t)carry;
			carry >>= 8;
		}
		if (carry)
			return -1;
	}
	{
		size_t first = 0;

		while (first < size && num[first] == 0)
			first++;
		if (zeros + (size - first) > cap)
			return -1;
		memset(out, 0, zeros);
		memcpy(out + zeros, num + first, size - first);
		return (int)(zeros + size - first);
	}
}

static uint32_t bech32_polymod(const uint8_t *v, size_t n)
{
	static const uint32_t gen[5] = {0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3};
	uint32_t chk = 1;

	for (size_t i = 0; i < n; i++) {
		uint8_t top = (uint8_t)(chk >> 25);

		chk = ((chk & 0x1ffffff) << 5) ^ v[i];
		for (int k = 0; k < 5; k++)
			if ((top >> k) & 1)
				chk ^= gen[k];
	}
	return chk;
}

static void segwit(struct validation *out, const char *v, size_t len)
{
	static const char cs[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
	uint8_t buf[128];
	size_t n = 0;
	uint32_t want;

	if (len < 14 || len > 74) {
		set(out, VALIDATION_REJECT, SEV_INFO, "not a segwit address length");
		return;
	}
	/* hrp "bc", separator at 2 */
	buf[n++] = 'b' >> 5;
	buf[n++] = 'c' >> 5;
	buf[n++] = 0;
	buf[n++] = 'b' & 31;
	buf[n++] = 'c' & 31;
	for (size_t i = 3; i < len; i++) {
		char c = v[i] >= 'A' && v[i] <= 'Z' ? (char)(v[i] + 32) : v[i];
		const char *p = c ? strchr(cs, c) : NULL;

		if (!p) {
			set(out, VALIDATION_REJECT, SEV_INFO, "not bech32");
			return;
		}
		buf[n++] = (uint8_t)(p - cs);
	}
	/* witness version 0 uses bech32, later versions bech32m (BIP 350) */
	want = buf[5] == 0 ? 1 : 0x2bc830a3;
	if (buf[5] > 16 || bech32_polymod(buf, n) != want) {
		set(out, VALIDATION_REJECT, SEV_INFO, "bech32 checksum does not match");
		return;
	}
	set(out, VALIDATION_OK, SEV_MEDIUM, "Bitcoin segwit address, checksum verified");
}

void validate__bitcoin_address(struct validation *out, const char *v, size_t len, const char *ctx,
                               size_t ctx_len)
{
	uint8_t raw[64], h1[32], h2[32];
	unsigned int hl = 0;
	int n;

	if (len > 3 && (!strncmp(v, "bc1", 3) || !strncmp(v, "BC1", 3))) {
		segwit(out, v, len);
		return;
	}
	n = len >= 26 && len <= 35 ? b58_decode(raw, sizeof(raw), v, len) : -1;
	if (n != 25 || (raw[0] != 0x00 && raw[0] != 0x05)) {
		set(out, VALIDATION_REJECT, SEV_INFO, "not a Bitcoin address");
		return;
	}
	EVP_Digest(raw, 21, h1, &hl, EVP_sha256(), NULL);
	EVP_Digest(h1, 32, h2, &hl, EVP_sha256(), NULL);
	if (memcmp(h2, raw + 21, 4)) {
		set(out, VALIDATION_REJECT, SEV_INFO, "base58check checksum does not match");
		return;
	}
	set(out, VALIDATION_OK, SEV_MEDIUM, "Bitcoin address, checksum verified");
}

/* ---- Ethereum ------------------------------------------------------------ */

void validate__ethereum_address(struct validation *out, const char *v, size_t len, const char *ctx,
                                size_t ctx_len)
{
	char lower[40];
	uint8_t hash[32];
	bool has_upper = false, has_lower = false;

	if (len != 42 || v[0] != '0' || (v[1] != 'x' && v[1] != 'X')) {
		set(out, VALIDATION_REJECT, SEV_INFO, "not an Ethereum address");
		return;
	}
	for (int i = 0; i < 40; i++) {
		char c = v[2 + i];

		if (c >= 'A' && c <= 'F') {
			has_upper = true;
			c = (char)(c + 32);
		} else if (c >= 'a' && c <= 'f') {
			has_lower = true;
		} else if (!(c >= '0' && c <= '9')) {
			set(out, VALIDATION_REJECT, SEV_INFO, "not an Ethereum address");
			return;
		}
		lower[i] = c;
	}
	if (!(has_upper && has_lower)) {
		/* all one case: no checksum to verify; a 40-hex value is too
		 * common (hashes) to trust without one */
		set(out, VALIDATION_WEAK, SEV_LOW,
		    "Ethereum-shaped address without EIP-55 checksum");
		return;
	}
	wallet_keccak256(hash, lower, 40);
	for (int i = 0; i < 40; i++) {
		char c = v[2 + i];
		unsigned nib = (hash[i / 2] >> (i % 2 ? 0 : 4)) & 15;

		if (c >= 'a' && c <= 'f' && nib >= 8)
			goto bad;
		if (c >= 'A' && c <= 'F' && nib < 8)
			goto bad;
	}
	set(out, VALIDATION_OK, SEV_MEDIUM, "Ethereum address, EIP-55 checksum verified");
	return;
bad:
	set(out, VALIDATION_REJECT, SEV_INFO, "EIP-55 checksum does not match");
}
