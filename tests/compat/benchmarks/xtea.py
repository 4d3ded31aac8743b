"""XTEA block cipher in pure Python: encrypt and decrypt a buffer (integer and bit ops)."""

MASK = 0xFFFFFFFF
DELTA = 0x9E3779B9


def encipher(v0, v1, key, rounds=32):
    s = 0
    for _ in range(rounds):
        v0 = (v0 + ((((v1 << 4) ^ (v1 >> 5)) + v1) ^ (s + key[s & 3]))) & MASK
        s = (s + DELTA) & MASK
        v1 = (v1 + ((((v0 << 4) ^ (v0 >> 5)) + v0) ^ (s + key[(s >> 11) & 3]))) & MASK
    return v0, v1


def decipher(v0, v1, key, rounds=32):
    s = (DELTA * rounds) & MASK
    for _ in range(rounds):
        v1 = (v1 - ((((v0 << 4) ^ (v0 >> 5)) + v0) ^ (s + key[(s >> 11) & 3]))) & MASK
        s = (s - DELTA) & MASK
        v0 = (v0 - ((((v1 << 4) ^ (v1 >> 5)) + v1) ^ (s + key[s & 3]))) & MASK
    return v0, v1


def run(n):
    key = (0x01234567, 0x89ABCDEF, 0xFEDCBA98, 0x76543210)
    blocks = [(i * 2654435761 & MASK, i * 40503 & MASK) for i in range(n)]
    enc = [encipher(a, b, key) for a, b in blocks]
    dec = [decipher(a, b, key) for a, b in enc]
    return dec == blocks, hex(enc[-1][0])


print(run(50))
