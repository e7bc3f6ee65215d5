#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Makes the demo's TLS material (Help ▸ Run demo, its last session): a CA, a server certificate for
# 127.0.0.1 and localhost, and an MTA's client certificate, all signed by the CA. They are public
# on purpose and protect nothing: never use them for a real endpoint. Run from this folder to make
# them again (they are valid for 100 years, so there is no need to).
set -eu
days=36500
openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days "$days" \
    -subj "/O=Hookscope demo (not secret)/CN=Hookscope demo CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -keyout ca.key -out ca.pem
issue() { # name subject extensions
    openssl req -newkey rsa:2048 -nodes -sha256 -subj "$2" -keyout "$1.key" -out "$1.csr"
    printf '%s\n' "$3" > "$1.ext"
    openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -sha256 \
        -days "$days" -extfile "$1.ext" -out "$1.pem"
    rm -f "$1.csr" "$1.ext"
}
issue server "/O=Hookscope demo (not secret)/CN=localhost" \
    "subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost
extendedKeyUsage=serverAuth"
issue client "/O=Example MTA/OU=Hookscope demo (not secret)/CN=mx.demo.example" \
    "extendedKeyUsage=clientAuth"
rm -f ca.key ca.srl
