#!/bin/sh
# Fills in /etc/nginx/templates/*.template from the environment (the variables named by
# NGINX_ENVSUBST_FILTER, as the official image does with envsubst) into /etc/nginx/conf.d, then
# runs nginx in the foreground.
set -eu
for template in /etc/nginx/templates/*.template; do
    [ -e "$template" ] || continue
    out=/etc/nginx/conf.d/$(basename "$template" .template)
    cp "$template" "$out"
    for name in ${NGINX_ENVSUBST_FILTER:-}; do
        value=$(printenv "$name" || true)
        # The values are paths and names: no sed metacharacters but the delimiter, refused.
        case $value in *'|'*) echo "entrypoint: $name holds '|'" >&2; exit 1 ;; esac
        sed -i "s|\${$name}|$value|g" "$out"
    done
done
exec nginx -g 'daemon off;'
