# Shared by bench/run, bench/soak and bench/observe-cost (sourced, from the repository root):
# builds in release, seeds a sqlite-erp database with 10,000 actors (4,000 customers) in
# target/stream-bench/, writes the request bodies to $WORK, starts the connector at $ADDR (its
# pid in $PID, $LOG names its log, /dev/null by default; START_CONNECTOR=0: not yet, see
# start_connector) and saves the benchmark connection.
# BENCH_FEATURES adds cargo features to the build (bench/replicas: sqlite-erp-connector/postgres).
# Defines: action OPERATION (its SOAPAction), post OPERATION (curl), and
# wrk_point OPERATION CONNECTIONS URL (wrk with that request; sets RPS, P50, P99, BAD).
cargo build --release --quiet -p sqlite-erp-connector -p erp-connector-bench ${BENCH_FEATURES:+--features "$BENCH_FEATURES"}
BIN=$PWD/target/release/sqlite-erp-connector
DATA=$PWD/target/stream-bench
DB=$DATA/erp-bench-10000.sqlite
mkdir -p "$DATA"
[ -f "$DB" ] || "$BIN" seed --db "$DB" --count 10000 >/dev/null
WORK=$(mktemp -d)
ADDR=127.0.0.1:18091
PATH_=/Services/ErpConnectorWS.svc
GUID=7c1e5a9b-3d2f-4b8e-a6c4-0f9e8d7c6b5a
NS=http://www.superoffice.net/EIS/Connector/1.0
ARRAYS=http://schemas.microsoft.com/2003/10/Serialization/Arrays
trap 'kill ${PID:-} ${PEER_PID:-} 2>/dev/null || true; rm -rf "$WORK"' EXIT

# A test issuer, an application key and a signed Authenticate request (the bench crate makes them).
target/release/bench-connector requests "$WORK/req" "$GUID" >/dev/null
strings() { local out=""; for s in "$@"; do out="$out<a:string>$s</a:string>"; done; echo "$out"; }
envelope() { echo "<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Body>$1</s:Body></s:Envelope>"; }
FIELDS=$(strings NAME NUMBER1 VATNO EMAIL PHONE STREETAD1 STREETZIP STREETCITY COUNTRY CURRENCY)
KEYS=$(strings $(seq 1 50))
envelope "<SaveConnectionRequestWS xmlns=\"$NS\"><ConnectionGuid>$GUID</ConnectionGuid><ConnectionInfo xmlns:a=\"$ARRAYS\"><a:KeyValueOfstringstring><a:Key>DATABASE</a:Key><a:Value>$(basename "$DB")</a:Value></a:KeyValueOfstringstring></ConnectionInfo></SaveConnectionRequestWS>" > "$WORK/WSSaveConnection.xml"
envelope "<GetActorsRequestWS xmlns=\"$NS\"><ActorType>Customer</ActorType><ConnectionGuid>$GUID</ConnectionGuid><ErpKeys xmlns:a=\"$ARRAYS\">$KEYS</ErpKeys><FieldKeys xmlns:a=\"$ARRAYS\">$FIELDS</FieldKeys></GetActorsRequestWS>" > "$WORK/WSGetActors.xml"
envelope "<GetActorsByTimestampRequestWS xmlns=\"$NS\"><ActorType>Customer</ActorType><ConnectionGuid>$GUID</ConnectionGuid><FieldKeys xmlns:a=\"$ARRAYS\">$FIELDS</FieldKeys><UpdatedOnOrAfter>000000003001</UpdatedOnOrAfter></GetActorsByTimestampRequestWS>" > "$WORK/WSGetActorsByTimestamp.xml"
envelope "<SearchActorsAdvancedRequestWS xmlns=\"$NS\"><ActorType>Customer</ActorType><ConnectionGuid>$GUID</ConnectionGuid><FieldKeys xmlns:a=\"$ARRAYS\">$(strings NAME EMAIL STREETCITY)</FieldKeys><Restrictions><SearchRestrictionInfoWS><FieldKey>NAME</FieldKey><Operator>contains</Operator><Values xmlns:a=\"$ARRAYS\"><a:string>berg</a:string></Values></SearchRestrictionInfoWS><SearchRestrictionInfoWS><FieldKey>EMPLOYEES</FieldKey><Operator>&gt;=</Operator><Values xmlns:a=\"$ARRAYS\"><a:string>[I:250]</a:string></Values></SearchRestrictionInfoWS></Restrictions></SearchActorsAdvancedRequestWS>" > "$WORK/WSSearchActorsAdvanced.xml"
envelope "<RequestBaseWS xmlns=\"$NS\"><ConnectionGuid>$GUID</ConnectionGuid></RequestBaseWS>" > "$WORK/WSTestConnection.xml"
cp "$WORK/req/authenticate.xml" "$WORK/Authenticate.xml"

# sqlite-erp opens databases by file name in its data folder, never by a path a caller sends.
export SQLITE_ERP_DATA_DIR=$DATA
action() { if [ "$1" = Authenticate ]; then cat "$WORK/req/authenticate.action"; else echo "$NS/IErpConnectorWS/$1"; fi; }
post() { curl -sf -H "Content-Type: text/xml; charset=utf-8" -H "SOAPAction: \"$(action "$1")\"" --data-binary "@$WORK/$1.xml" "http://$ADDR$PATH_"; }

# start_connector [VAR=VALUE...] [-- WRAPPER...]: starts the connector (its pid in $PID) with
# those variables on top, under WRAPPER if given (valgrind), on a fresh store; saves the
# benchmark connection.
start_connector() {
  local vars=() wrap=()
  while [ $# -gt 0 ] && [ "$1" != -- ]; do vars+=("$1"); shift; done
  [ "${1:-}" = -- ] && { shift; wrap=("$@"); }
  rm -f "$WORK/store.db" "$WORK/store.db-wal" "$WORK/store.db-shm"
  env ERP_CONNECTOR_BIND=$ADDR ERP_CONNECTOR_LOG=warn ERP_CONNECTOR_PROFILE=production \
    ERP_CONNECTOR_STORE_PATH="$WORK/store.db" ERP_CONNECTOR_STORE_KEY_FILE="$WORK/store.key" \
    ERP_CONNECTOR_PRIVATE_KEY_FILE="$WORK/req/app.pem" ERP_CONNECTOR_SUPEROFFICE_CERTS="$WORK/req/issuer.crt" \
    ERP_CONNECTOR_APP_ID=6cf25376616343b38d14ddcd804f2891 "${vars[@]}" "${wrap[@]}" "$BIN" >"${LOG:-/dev/null}" 2>&1 &
  PID=$!
  until curl -sf -o /dev/null "http://$ADDR/health"; do sleep 0.1; done
  post WSSaveConnection | grep -q "<IsOk>true</IsOk>" || { echo "could not save the benchmark connection" >&2; exit 1; }
}
[ "${START_CONNECTOR:-1}" = 1 ] && start_connector

wrk_point() {
  local threads=2 out
  [ "$2" = 1 ] && threads=1
  out=$(BODY="$WORK/$1.xml" ACTION="$(action "$1")" \
    wrk -t"$threads" -c"$2" -d"${DURATION}s" --latency -s bench/post.lua "$3")
  RPS=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  P50=$(awk '$1=="50%" {print $2}' <<<"$out")
  P99=$(awk '$1=="99%" {print $2}' <<<"$out")
  BAD=$(awk '/Non-2xx/ {print $5}' <<<"$out"); BAD=${BAD:-0}
}
