#include "unit.h"
#include "detect/wallet.h"

static enum validation_result
check(void (*fn)(struct validation *, const char *, size_t, const char *, size_t), const char *v)
{
	struct validation out;

	fn(&out, v, strlen(v), NULL, 0);
	return out.result;
}

TEST(wallet, keccak256_vectors)
{
	uint8_t h[32];
	char hex[65];

	wallet_keccak256(h, "", 0);
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", h[i]);
	CHECK_STR(hex, "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
	wallet_keccak256(h, "abc", 3);
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", h[i]);
	CHECK_STR(hex, "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45");
}

TEST(wallet, monero)
{
	/* the Monero General Fund's published donation address */
	const char *good = "44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uN"
	                   "br2VBBEt7f2wfn3RVGQBEP3A";
	char bad[96];

	CHECK_INT(check(validate__monero_address, good), VALIDATION_OK);
	memcpy(bad, good, 96);
	bad[50] = bad[50] == 'a' ? 'b' : 'a';
	CHECK_INT(check(validate__monero_address, bad), VALIDATION_REJECT);
	CHECK_INT(
	    check(validate__monero_address, "44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3Xjrp"),
	    VALIDATION_REJECT);
	memset(bad, '1', 95);
	bad[95] = '\0';
	CHECK_INT(check(validate__monero_address, bad), VALIDATION_REJECT);
}

TEST(wallet, bitcoin)
{
	CHECK_INT(check(validate__bitcoin_address, "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"),
	          VALIDATION_OK);
	CHECK_INT(check(validate__bitcoin_address, "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy"),
	          VALIDATION_OK);
	CHECK_INT(check(validate__bitcoin_address, "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb"),
	          VALIDATION_REJECT);
	/* BIP 173 / BIP 350 test vectors */
	CHECK_INT(check(validate__bitcoin_address, "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4"),
	          VALIDATION_OK);
	CHECK_INT(check(validate__bitcoin_address,
	                "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0"),
	          VALIDATION_OK);
	CHECK_INT(check(validate__bitcoin_address, "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5"),
	          VALIDATION_REJECT);
}

TEST(wallet, ethereum)
{
	/* EIP-55 examples */
	CHECK_INT(check(validate__ethereum_address, "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"),
	          VALIDATION_OK);
	CHECK_INT(check(validate__ethereum_address, "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359"),
	          VALIDATION_OK);
	CHECK_INT(check(validate__ethereum_address, "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD"),
	          VALIDATION_REJECT);
	CHECK_INT(check(validate__ethereum_address, "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"),
	          VALIDATION_WEAK);
	CHECK_INT(check(validate__ethereum_address, "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beae"),
	          VALIDATION_REJECT);
}
