#!/bin/sh
# Builds the container image of a connector crate:
#
#   deploy/image/build.sh [<package> [<binary> [<tag>]]]
#
# e.g. `deploy/image/build.sh sqlite-erp-connector` gives the image `sqlite-erp-connector:latest`;
# the package defaults to sqlite-erp-connector (in a crate made by `erp-connector new`, to it).
# Run it from the workspace (or the connector's crate) folder. The binary is built in release,
# linked statically (glibc's static build: no musl toolchain needed), under target/image/; the
# image is FROM scratch (deploy/image/Dockerfile). Needs cargo, docker and the CA bundle of the
# build machine (/etc/ssl/certs/ca-certificates.crt, Debian's ca-certificates, or CA_BUNDLE).
# FEATURES are the cargo features built in: the PostgreSQL store by default, which replicas share
# (the package must depend on erp-connector by that name).
set -eu

package=${1:-sqlite-erp-connector}
binary=${2:-$1}
tag=${3:-$binary:latest}
here=$(cd "$(dirname "$0")" && pwd)
ca_bundle=${CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}
host=$(rustc -vV | sed -n 's/^host: //p')
target_dir=${CARGO_TARGET_DIR:-target}/image
features=${FEATURES-erp-connector/postgres}

[ -r "$ca_bundle" ] || { echo "no CA bundle at $ca_bundle (install ca-certificates or set CA_BUNDLE)" >&2; exit 1; }

# --target keeps the static flag off build scripts and proc macros, which must stay dynamic.
RUSTFLAGS="${RUSTFLAGS:-} -C target-feature=+crt-static" \
    cargo build --release --locked -p "$package" --bin "$binary" --features "$features" --target "$host" \
    --target-dir "$target_dir"
built=$target_dir/$host/release/$binary
if readelf --program-headers "$built" | grep -q 'program interpreter'; then
    echo "$built is linked dynamically: it would not start FROM scratch" >&2
    exit 1
fi

context=$(mktemp -d)
trap 'rm -rf "$context"' EXIT
mkdir -p "$context/rootfs/etc/ssl/certs" "$context/data"
cp "$built" "$context/rootfs/connector"
strip "$context/rootfs/connector" 2>/dev/null || true
ln -s connector "$context/rootfs/healthcheck"
cp "$ca_bundle" "$context/rootfs/etc/ssl/certs/ca-certificates.crt"
echo "connector:x:65532:65532:connector:/data:/nonexistent" > "$context/rootfs/etc/passwd"
echo "connector:x:65532:" > "$context/rootfs/etc/group"
cp "$here/Dockerfile" "$context/Dockerfile"
docker build --tag "$tag" "$context" >"$context/build.log" 2>&1 || { cat "$context/build.log" >&2; exit 1; }
echo "$tag: $(docker image inspect --format '{{.Size}}' "$tag") bytes"
