"""Bit manipulation, base conversion, bytes and checksums."""


def popcount(n):
    count = 0
    while n:
        n &= n - 1
        count += 1
    return count


def gray(n):
    return n ^ (n >> 1)


def to_base(n, b):
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    if n == 0:
        return "0"
    out = []
    while n:
        n, r = divmod(n, b)
        out.append(digits[r])
    return "".join(reversed(out))


def adler32(data: bytes) -> int:
    a, b = 1, 0
    for byte in data:
        a = (a + byte) % 65521
        b = (b + a) % 65521
    return (b << 16) | a


def crc8(data: bytes) -> int:
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = ((crc << 1) ^ 0x07) & 0xFF if crc & 0x80 else (crc << 1) & 0xFF
    return crc


print([popcount(n) for n in range(16)], bin(255), hex(48879), oct(8))
print([gray(n) for n in range(8)], [format(gray(n), "03b") for n in range(4)])
print(to_base(255, 2), to_base(255, 16), to_base(123456789, 36), int("3ade68b1", 16))
data = "Wikipedia".encode("ascii")
print(adler32(data), hex(adler32(data)), crc8(b"123456789"))
print(bytes([72, 105]), b"abc".hex(), bytes.fromhex("4142"), list(b"xyz"), b"a,b".split(b","))
print((1 << 70) | 5, (1 << 70) >> 68, -17 >> 2, ~5, 0b1010 & 0b0110, (12345).bit_length())
print(int.from_bytes(b"\x01\x00", "big"), (1024).to_bytes(2, "little"))
