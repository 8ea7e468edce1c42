#!/usr/bin/env sh
# Without cert-manager: make a CA and a serving certificate for the webhook Service with openssl,
# store them as the complyai-webhook-tls Secret, and print the caBundle for the webhook configuration.
#   ci/k8s/gen-certs.sh [OUT_DIR] [NAMESPACE] [SERVICE]
set -eu
out=${1:-./complyai-certs}
ns=${2:-complyai-system}
svc=${3:-complyai-webhook}
mkdir -p "$out"
cd "$out"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 365 \
  -subj "/CN=complyai-webhook-ca" -addext "basicConstraints=critical,CA:TRUE" \
  -addext "keyUsage=critical,keyCertSign,cRLSign" -keyout ca.key -out ca.crt 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$svc.$ns.svc" \
  -keyout tls.key -out tls.csr 2>/dev/null
printf 'subjectAltName=DNS:%s.%s.svc,DNS:%s.%s.svc.cluster.local\nextendedKeyUsage=serverAuth\n' \
  "$svc" "$ns" "$svc" "$ns" > san.ext
openssl x509 -req -in tls.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 90 -extfile san.ext \
  -out tls.crt 2>/dev/null
rm -f tls.csr san.ext ca.srl
chmod 600 ca.key tls.key
echo "wrote $out/ca.crt, $out/tls.crt, $out/tls.key (keep ca.key offline)"
echo "create the Secret:  kubectl -n $ns create secret tls $svc-tls --cert=$out/tls.crt --key=$out/tls.key"
echo "caBundle for validatingwebhookconfiguration.yaml:"
base64 < ca.crt | tr -d '\n'
echo
