#!/usr/bin/env bash
# dnsperf against three UDP DNS servers holding the same cluster domain (10k Services × 3
# endpoints, bench/dns-workload.ts), on the same query file (60% A, 20% SRV, 20% NXDOMAIN):
#   svcnet   `svcnet dns serve --manifests …` (the wasm core behind Node's dgram socket)
#   plain    bench/dns-plain-server.ts: dns-packet decode → Map lookup → dns-packet encode
#   nsd      NSD with a zone file of the same records, one server process
# Each server gets dnsperf alone for a fixed time (default 10 s; 100 queries in flight), in
# rounds that take the servers in turn (default 3), so load from elsewhere on the machine
# falls on all of them alike; a server's qps is its median over the rounds, its lost queries
# the sum. Prints the numbers and writes bench/results/dns-server.json.
#
#   bash bench/dns-server.sh [--duration 10] [--rounds 3] [--services 10000]
#
# Installs dnsperf and nsd with apt-get when they are missing (needs root).
set -euo pipefail
cd "$(dirname "$0")/.."

duration=10
rounds=3
services=10000
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) duration="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --services) services="$2"; shift 2 ;;
    *) echo "usage: bash bench/dns-server.sh [--duration seconds] [--rounds n] [--services n]" >&2; exit 2 ;;
  esac
done

missing=()
command -v dnsperf >/dev/null 2>&1 || missing+=(dnsperf)
command -v nsd >/dev/null 2>&1 || missing+=(nsd)
command -v dig >/dev/null 2>&1 || missing+=(dnsutils)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "dns-server bench: needs ${missing[*]} (run: sudo apt-get install ${missing[*]})" >&2
    exit 1
  fi
  echo "dns-server bench: installing ${missing[*]} (apt-get)" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
[ -f dist/sdk/node/cli.js ] || npm run build >&2

work="$(mktemp -d /tmp/svcnet-dns-bench.XXXXXX)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() {
  node -e "
    const net = require('net'), dgram = require('dgram');
    (function next() {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const port = s.address().port, u = dgram.createSocket('udp4');
        u.once('error', () => { u.close(); s.close(next); });
        u.bind(port, '127.0.0.1', () => { u.close(); s.close(() => console.log(port)); });
      });
    })();"
}

# wait_for <log> <pattern> <what>: until the log shows the pattern (the server is up).
wait_for() {
  for _ in $(seq 1 600); do
    grep -q "$2" "$1" 2>/dev/null && return 0
    sleep 0.2
  done
  echo "dns-server bench: $3 did not start; its log:" >&2
  cat "$1" >&2
  exit 1
}

echo "dns-server bench: generating $services services in $work" >&2
node --import tsx bench/dns-workload.ts "$work" "$services" 200000

svcnet_port="$(free_port)"
node bin/svcnet.js dns serve --manifests "$work/manifest.yaml" --listen "127.0.0.1:$svcnet_port" 2>"$work/svcnet.log" &
pids+=($!)
plain_port="$(free_port)"
node --import tsx bench/dns-plain-server.ts --manifests "$work/manifest.yaml" --listen "127.0.0.1:$plain_port" 2>"$work/plain.log" &
pids+=($!)
nsd_port="$(free_port)"
cat >"$work/nsd.conf" <<EOF
server:
  ip-address: 127.0.0.1@$nsd_port
  server-count: 1
  username: ""
  chroot: ""
  zonesdir: "$work"
  zonelistfile: "$work/zone.list"
  database: ""
  xfrdfile: "$work/xfrd.state"
  xfrdir: "$work"
  pidfile: "$work/nsd.pid"
  logfile: "$work/nsd.log"
  verbosity: 1
  hide-version: yes
  minimal-responses: yes
  # Response rate limiting (on by default: 200 answers/s per client /24) would throttle dnsperf.
  rrl-ratelimit: 0
  rrl-whitelist-ratelimit: 0
remote-control:
  control-enable: no
zone:
  name: cluster.local
  zonefile: "cluster.local.zone"
EOF
nsd -d -c "$work/nsd.conf" 2>>"$work/nsd.log" &
pids+=($!)

wait_for "$work/svcnet.log" "listening on udp" "svcnet dns serve"
wait_for "$work/plain.log" "listening on udp" "the plain dns-packet server"
for _ in $(seq 1 600); do
  dig +short +time=1 +tries=1 -p "$nsd_port" @127.0.0.1 cluster.local SOA 2>/dev/null | grep -q hostmaster && break
  sleep 0.2
done

# The three must agree on a sample of the query file before anything is measured.
sample="$(awk 'NR % 20000 == 1' "$work/queries.txt")"
while read -r name type; do
  expected=""
  for port in "$svcnet_port" "$plain_port" "$nsd_port"; do
    got="$(dig +time=2 +tries=1 -p "$port" @127.0.0.1 "$name" "$type" |
      awk '/status:/ { s = $6 } /^;; ANSWER SECTION/ { on = 1; next } /^$/ { on = 0 } on { a = a " " $NF } END { print s a }' | tr -d ',')"
    if [ -z "$expected" ]; then expected="$got"; elif [ "$got" != "$expected" ]; then
      echo "dns-server bench: $name $type: port $port answers \"$got\", svcnet \"$expected\"" >&2
      exit 1
    fi
  done
done <<<"$sample"
echo "dns-server bench: the three servers agree on $(wc -l <<<"$sample") sample queries" >&2

run_dnsperf() {
  local out="$work/$1.$3.dnsperf"
  dnsperf -s 127.0.0.1 -p "$2" -d "$work/queries.txt" -l "$duration" >"$out" 2>&1 || true
  local sent completed lost qps latency
  sent="$(awk '/Queries sent:/ { print $3 }' "$out")"
  completed="$(awk '/Queries completed:/ { print $3 }' "$out")"
  lost="$(awk '/Queries lost:/ { print $3 }' "$out")"
  qps="$(awk '/Queries per second:/ { printf "%d", $4 }' "$out")"
  latency="$(awk '/Average Latency/ { print $4 }' "$out")"
  if [ -z "$qps" ]; then
    echo "dns-server bench: dnsperf against $1 failed:" >&2
    cat "$out" >&2
    exit 1
  fi
  printf '  round %s  %-7s %8s qps  sent %9s  lost %6s  avg latency %s s\n' "$3" "$1" "$qps" "$sent" "$lost" "$latency" >&2
  echo "{\"server\":\"$1\",\"round\":$3,\"qps\":$qps,\"sent\":$sent,\"completed\":$completed,\"lost\":$lost,\"averageLatencySeconds\":$latency}"
}

echo "dns-server bench: dnsperf, $rounds rounds of $duration s per server, 100 queries in flight" >&2
runs=()
for round in $(seq 1 "$rounds"); do
  runs+=("$(run_dnsperf svcnet "$svcnet_port" "$round")")
  runs+=("$(run_dnsperf plain "$plain_port" "$round")")
  runs+=("$(run_dnsperf nsd "$nsd_port" "$round")")
done

mkdir -p bench/results
RUNS="$(IFS=,; echo "[${runs[*]}]")" DURATION="$duration" SERVICES="$services" \
  DNSPERF_VERSION="$(dnsperf -h 2>&1 | awk '/Version/ { print $2; exit }')" NSD_VERSION="$(nsd -v 2>&1 | head -1)" \
  node -e '
    const os = require("os");
    const runs = JSON.parse(process.env.RUNS);
    const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : Math.round((s[m - 1] + s[m]) / 2); };
    const servers = ["svcnet", "plain", "nsd"].map((server) => {
      const mine = runs.filter((r) => r.server === server);
      return { server, qps: median(mine.map((r) => r.qps)), lost: mine.reduce((n, r) => n + r.lost, 0), sent: mine.reduce((n, r) => n + r.sent, 0) };
    });
    const by = (n) => servers.find((s) => s.server === n);
    const result = {
      date: new Date().toISOString(),
      node: process.version,
      cpu: os.cpus()[0]?.model ?? "unknown",
      cores: os.cpus().length,
      loadAverage: os.loadavg().map((l) => +l.toFixed(2)),
      dnsperf: process.env.DNSPERF_VERSION,
      nsd: process.env.NSD_VERSION,
      durationSeconds: Number(process.env.DURATION),
      services: Number(process.env.SERVICES),
      endpointsPerService: 3,
      queryMix: "60% A, 20% SRV, 20% NXDOMAIN",
      servers,
      svcnetOverPlain: +(by("svcnet").qps / by("plain").qps).toFixed(2),
      svcnetOverNsd: +(by("svcnet").qps / by("nsd").qps).toFixed(2),
      runs,
    };
    require("fs").writeFileSync("bench/results/dns-server.json", JSON.stringify(result, null, 2) + "\n");
    for (const s of servers) console.error(`${s.server.padEnd(7)} ${String(s.qps).padStart(8)} qps (median of ${runs.length / 3} rounds), ${s.lost} of ${s.sent} queries lost`);
    const met = result.svcnetOverPlain >= 1.5 && by("svcnet").lost === 0;
    console.error(`svcnet / plain: ${result.svcnetOverPlain}×, svcnet / nsd: ${result.svcnetOverNsd}× (target ≥ 1.5× plain with no queries lost: ${met ? "met" : "MISSED"})`);
    console.error("wrote bench/results/dns-server.json");
  '
