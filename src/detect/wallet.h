/* Cryptocurrency wallet addresses, validated by structure and checksum:
 * Monero (standard, integrated, subaddress: Monero's base58 in 8-byte
 * blocks with a Keccak-256 checksum), Bitcoin (base58check P2PKH/P2SH and
 * segwit bech32/bech32m) and Ethereum (EIP-55 mixed-case checksum). These
 * are validators for rule packs (validate.h), listed there by name. */
#ifndef DREDGE_WALLET_H
#define DREDGE_WALLET_H

#include "detect/validate.h"

#include <stddef.h>
#include <stdint.h>

/* Keccak-256 as Ethereum and Monero use it (original padding, not SHA3). */
void wallet_keccak256(uint8_t out[32], const void *data, size_t len);

void validate__monero_address(struct validation *out, const char *v, size_t len, const char *ctx,
                              size_t ctx_len);
void validate__bitcoin_address(struct validation *out, const char *v, size_t len, const char *ctx,
                               size_t ctx_len);
void validate__ethereum_address(struct validation *out, const char *v, size_t len, const char *ctx,
                                size_t ctx_len);

#endif
