#!/usr/bin/env bash
# Installs the Debian packages the tests drive for real when they are missing: Chromium
# for the browser test, dig (dnsutils) for the DNS end-to-end tests, tshark for the pcap
# and packet tests, kubectl for the API end-to-end tests (this project's machines carry
# kubectl v1.32; where it is missing, Debian's kubernetes-client is the fallback — an older
# kubectl, but the tables it prints are rendered by the server). Needs root (CI and this project's machines run as root).
set -euo pipefail
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v dig >/dev/null 2>&1 || missing+=(dnsutils)
command -v tshark >/dev/null 2>&1 || missing+=(tshark)
command -v kubectl >/dev/null 2>&1 || missing+=(kubernetes-client)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "svcnet: the tests need these Debian packages: ${missing[*]} (run: sudo apt-get install ${missing[*]})" >&2
  exit 1
fi
echo "svcnet: installing ${missing[*]} (apt-get)" >&2
export DEBIAN_FRONTEND=noninteractive
# tshark pulls in wireshark-common, whose postinst asks whether non-root users may
# capture packets (setuid dumpcap). Answer "no" up front so the install never prompts.
if command -v debconf-set-selections >/dev/null 2>&1; then
  echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
fi
apt-get update -qq
apt-get install -y -qq "${missing[@]}" >/dev/null
