#!/bin/sh
# Writes what the stack needs and lacks: secrets/ (the PostgreSQL password, the store's URL and
# key, the admin token, an application key pair if none is there) and .env (the image and a
# random endpoint path). Never overwrites. Run as root, or chown the replicas' secrets to 65532
# yourself: the replicas run as that user and read them through read-only mounts.
#
#   CONNECTOR_IMAGE=my-connector:1.0 ./init-secrets.sh && docker-compose up -d
set -eu
cd "$(dirname "$0")"
umask 077
mkdir -p secrets

random() { head -c "$1" /dev/urandom | base64 | tr -d '\n/+='; }

[ -s secrets/postgres-password ] || random 24 > secrets/postgres-password
[ -s secrets/store-url ] ||
    echo "postgres://erp_connector:$(cat secrets/postgres-password)@postgres:5432/erp_connector" > secrets/store-url
[ -s secrets/store-key ] || head -c 32 /dev/urandom | base64 > secrets/store-key
[ -s secrets/admin-token ] || random 32 > secrets/admin-token
if [ ! -s secrets/app-private-key.pem ]; then
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out secrets/app-private-key.pem 2>/dev/null
    openssl pkey -in secrets/app-private-key.pem -pubout -out app-public-key.pem
    echo "A new application key: register app-public-key.pem with SuperOffice, or put your own" \
        "private key in secrets/app-private-key.pem before the first start." >&2
fi
if [ ! -s .env ]; then
    {
        echo "CONNECTOR_IMAGE=${CONNECTOR_IMAGE:-}"
        echo "ENDPOINT_PATH=/erp-$(random 24 | tr -dc 'A-Za-z0-9')"
    } > .env
    echo "Wrote .env: set CONNECTOR_IMAGE there if it is empty." >&2
fi
if [ "$(id -u)" = 0 ]; then
    chown 65532:65532 secrets/store-url secrets/store-key secrets/admin-token secrets/app-private-key.pem
else
    echo "Not root: chown 65532 secrets/store-url secrets/store-key secrets/admin-token" \
        "secrets/app-private-key.pem before docker-compose up." >&2
fi
