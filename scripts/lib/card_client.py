"""An independent card client, for crates/api/tests/card_crypto.rs: does what the platform guide's Java
sample does, with Python's `cryptography` (pinned in scripts/lib/card-client-requirements.txt, installed
into .tools/card-venv by scripts/setup).

    card_client.py PRIVATE_KEY.pem TEMPORAL_PK [NAME=TEXT ...]

Decrypts TEMPORAL_PK (base64) with the RSA private key (PKCS#1 v1.5 padding: Java's
Cipher.getInstance("RSA")), hex-decodes the text it holds into the AES-256 key, encrypts each NAME's TEXT
with AES-256-ECB and PKCS#7 padding (Java's Cipher.getInstance("AES")) of its UTF-8 bytes, and prints
{"key": <the key's hex>, "fields": {NAME: <base64>, ...}} as JSON.
"""

import base64
import json
import sys

from cryptography.hazmat.primitives import padding, serialization
from cryptography.hazmat.primitives.asymmetric import padding as rsa_padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    with open(argv[1], "rb") as f:
        private_key = serialization.load_pem_private_key(f.read(), password=None)
    text = private_key.decrypt(base64.b64decode(argv[2], validate=True), rsa_padding.PKCS1v15())
    key = bytes.fromhex(text.decode("utf-8"))
    if len(key) != 32:
        sys.exit(f"the temporal key has {len(key)} bytes, not 32")
    fields = {}
    for arg in argv[3:]:
        name, _, value = arg.partition("=")
        padder = padding.PKCS7(128).padder()
        data = padder.update(value.encode("utf-8")) + padder.finalize()
        encryptor = Cipher(algorithms.AES256(key), modes.ECB()).encryptor()
        fields[name] = base64.b64encode(encryptor.update(data) + encryptor.finalize()).decode("ascii")
    print(json.dumps({"key": key.hex(), "fields": fields}))


if __name__ == "__main__":
    main(sys.argv)
