#!/usr/bin/env bash
# Deployment test: the path of docs/deploy.md run for real on this machine's container engine (podman).
#
#   scripts/deployment-test.sh
#
# 1. Builds the images with containers/build-images.sh (the documented command), plus the two stand-ins.
# 2. Publishes the AppHost (`dotnet run --project AppHost -- --operation publish --step publish`, what `aspire publish`
#    runs) into a temporary directory.
# 3. Runs the published docker-compose.yaml with podman-compose and docker-compose.test.yaml, an override that replaces
#    only what cannot be pulled here: apache/kafka by this repository's Broker image, mediamtx by the GStreamer camera
#    simulator image, the Aspire dashboard image by one built from the Aspire.Dashboard.Sdk.linux-x64 NuGet package.
#    (The override is merged by docker-compose itself: podman-compose 1.0.3 appends lists instead of replacing them.)
# 4. Asserts what a user would check: every service's /health is Healthy, both consumer groups process frames with
#    contiguous sequence numbers and nothing dead-lettered, the dashboard asks for a login, and after the kafka
#    container restarts both groups process frames again, still contiguous.
#
# Everything it starts runs under one compose project name (aspirepipeline-deploytest-<pid>) on podman's own bridge
# network with no fixed host port, and is removed on exit, failed or not. Exit code 0 only when every check passed.
# Needs: the .NET SDK, docker-compose (with python3-yaml), curl, jq; scripts/container-engine.sh installs podman and podman-compose and
# provides the base image docker.io/library/debian:bookworm-slim.
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

project="aspirepipeline-deploytest-$$"
work="$(mktemp -d "${TMPDIR:-/tmp}/aspirepipeline-deploytest.XXXXXX")"
deploy="$work/deploy"
started=$SECONDS

log() { printf '%s [deployment-test] %s\n' "$(date -u +%T)" "$*"; }
fail() { log "FAIL: $*"; exit 1; }

# podman with the repository's containers.conf and the Debian base image (installed/built when missing).
scripts/container-engine.sh setup
eval "$(scripts/container-engine.sh env)"
for tool in podman-compose docker-compose curl jq dotnet; do
  command -v "$tool" >/dev/null || fail "'$tool' is not installed (see the header of $0 for what the test needs)"
done

compose() { podman-compose -p "$project" -f "$deploy/docker-compose.merged.yaml" "$@"; }

# `compose up -d SERVICE...`, then every container of the project must have started: podman-compose 1.0.3 goes on
# (and exits 0) when `podman run` fails, so a container that cannot start stops the test at once with podman's own
# message and the Debian packages the engine lacks, instead of a long wait on a /health that can never answer.
compose_up() {
  local output="$work/compose-up.log" name status never=()
  compose up -d "$@" 2>&1 | tee "$output" || true
  while read -r name; do
    status="$(podman inspect -f '{{.State.Status}}' "$name" 2>/dev/null || echo missing)"
    [[ "$status" == created || "$status" == configured || "$status" == missing ]] && never+=("$name ($status)")
  done < <(podman ps -a --filter "label=io.podman.compose.project=$project" --format '{{.Names}}')
  ((${#never[@]} == 0)) && return 0
  log "containers that never started: ${never[*]}; podman said:"
  grep -E '^Error' "$output" | sort -u | head -n 5
  scripts/container-engine.sh doctor || true
  fail "containers could not start (podman's message and any missing package above)"
}

# The container of a compose service (replica 1).
container_of() {
  podman ps -a --filter "label=io.podman.compose.project=$project" --filter "label=com.docker.compose.service=$1" \
    --format '{{.Names}}' | head -n 1
}

address_of() {
  local name address
  name="$(container_of "$1")"
  [[ -n "$name" ]] || { echo "no container for service '$1'"; return 1; }
  address="$(podman inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$name")"
  [[ -n "$address" ]] || { echo "$1 has no address: $name is $(podman inspect -f '{{.State.Status}}' "$name")"; return 1; }
  printf '%s\n' "$address"
}

cleanup() {
  local rc=$?
  set +e
  if (( rc != 0 )) && [[ -f "$deploy/docker-compose.merged.yaml" ]]; then
    for service in kafka camera footage producer consumer consumer2 people aspire-dashboard; do
      name="$(container_of "$service")"
      [[ -n "$name" ]] || continue
      log "---- last log lines of $service ($name, $(podman inspect -f '{{.State.Status}} exit={{.State.ExitCode}}' "$name"))"
      podman logs --tail 40 "$name" 2>&1 | cut -c1-400
    done
  fi
  log "removing compose project $project"
  podman ps -aq --filter "label=io.podman.compose.project=$project" | xargs -r podman rm -f -t 5 >/dev/null
  podman pod rm -f "pod_$project" >/dev/null 2>&1
  podman volume ls -q --filter "label=io.podman.compose.project=$project" | xargs -r podman volume rm -f >/dev/null
  podman network ls -q --filter "label=io.podman.compose.project=$project" | xargs -r podman network rm -f >/dev/null
  rm -rf "$work"
  log "done in $(( SECONDS - started )) s, exit code $rc"
}
trap cleanup EXIT

# wait_until SECONDS WHAT COMMAND...: runs COMMAND every 2 s until it succeeds (exit 0). Exit 2 means a check that can
# only get worse failed (frames lost, dead-lettered): stop at once. Otherwise fail after SECONDS with COMMAND's output.
wait_until() {
  local timeout=$1 what=$2 deadline out rc
  shift 2
  deadline=$(( SECONDS + timeout ))
  while :; do
    rc=0
    out="$("$@" 2>&1)" || rc=$?
    (( rc == 0 )) && { log "ok: $what"; return 0; }
    (( rc == 2 )) && fail "$what: $out"
    (( SECONDS < deadline )) || fail "$what: not within ${timeout} s; last check: $out"
    sleep 2 # poll interval of a condition with a deadline
  done
}

# /health of SERVICE answers 200 with status Healthy.
healthy() {
  local ip body
  ip="$(address_of "$1")" || { echo "$ip"; return 1; }
  body="$(curl -sS --max-time 5 "http://$ip:8080/health" 2>&1)" || { echo "$1 /health: $body"; return 1; }
  jq -e '.status == "Healthy"' <<< "$body" >/dev/null || { echo "$1 /health: $(jq -c . <<< "$body" 2>/dev/null || echo "$body")"; return 1; }
}

# The consumer SERVICE's /stats counters as "processed missing repeated poison".
counters() {
  local ip body
  ip="$(address_of "$1")" || { echo "$ip"; return 1; }
  body="$(curl -sS --max-time 5 "http://$ip:8080/stats" 2>&1)" || { echo "$1 /stats: $body"; return 1; }
  jq -r '.stats | "\(.framesProcessed) \(.missingFrames) \(.repeatedFrames) \(.poisonMessages)"' <<< "$body"
}

# The people group (its own pace, the footage camera only) has analysed at least MIN frames, all of camera footage.
people_analysed_at_least() {
  local ip body
  ip="$(address_of people)" || { echo "$ip"; return 1; }
  body="$(curl -sS --max-time 5 "http://$ip:8080/stats" 2>&1)" || { echo "people /stats: $body"; return 1; }
  jq -e --argjson min "$1" '.stats.framesProcessed >= $min and .stats.poisonMessages == 0 and .stats.lastCamera == "footage"' <<< "$body" >/dev/null \
    || { echo "people: $(jq -c '.stats | {framesProcessed, skippedFrames, otherCameraFrames, poisonMessages, lastCamera, lastValue}' <<< "$body" 2>/dev/null || echo "$body")"; return 1; }
}

# Frames the producer reported as dropped (not acknowledged by Kafka, e.g. timed out while the broker restarts).
producer_dropped() {
  local ip body
  ip="$(address_of producer)" || { echo "$ip"; return 1; }
  body="$(curl -sS --max-time 5 "http://$ip:8080/stats" 2>&1)" || { echo "producer /stats: $body"; return 1; }
  jq -r '[.cameras[].dropped] | add // 0' <<< "$body"
}

# The consumer SERVICE has processed at least MIN frames, none missing from a camera's sequence, none dead-lettered,
# and no more than MAX_REPEATED seen twice (exit 2 on those: they cannot recover). Repeats are Kafka's at-least-once
# delivery: a group that rejoins after the broker restarts resumes at its last committed offset (auto-commit every
# 5 s), so the frames processed after that commit come again. None are allowed before the restart. With
# ALLOW_DROPPED=yes a gap may be as large as what the producer reported dropped (a restart that outlasts its message
# timeout drops frames, counted), but no acknowledged frame may be missing.
processed_at_least() {
  local service=$1 min=$2 max_repeated=${3:-0} allow_dropped=${4:-no} line processed missing repeated poison max_missing=0
  line="$(counters "$service")" || { echo "$line"; return 1; }
  read -r processed missing repeated poison <<< "$line"
  if [[ "$allow_dropped" == yes ]]; then
    max_missing="$(producer_dropped)" || { echo "$max_missing"; return 1; }
  fi
  if (( missing > max_missing || repeated > max_repeated || poison > 0 )); then
    echo "$service: sequence not contiguous or frames dead-lettered: processed=$processed missing=$missing (producer reported $max_missing dropped) repeated=$repeated dead-lettered=$poison"
    return 2
  fi
  (( processed >= min )) || { echo "$service: $processed frames processed, waiting for $min"; return 1; }
}

# The dashboard redirects an anonymous browser to its login page (BrowserToken).
dashboard_asks_for_login() {
  local ip answer
  ip="$(address_of aspire-dashboard)" || { echo "$ip"; return 1; }
  answer="$(curl -sS -L --max-redirs 5 --max-time 5 -o /dev/null -w '%{http_code} %{url_effective}' "http://$ip:18888/structuredlogs" 2>&1)" \
    || { echo "dashboard: $answer"; return 1; }
  [[ "$answer" == "200 "*/login* ]] || { echo "dashboard: a browser without the token ended at '$answer', not the login page"; return 1; }
}

phase=$SECONDS
log "building images (containers/build-images.sh --engine podman)"
containers/build-images.sh --engine podman producer consumer consumer2 camera-simulator broker dashboard
log "images built in $(( SECONDS - phase )) s"

phase=$SECONDS
log "publishing the AppHost to $deploy"
# No fixed host port for the dashboard: the engine picks a free one (a dev run may hold 18888).
dotnet run --project AppHost -- --operation publish --step publish --output-path "$deploy" --DockerCompose:DashboardHostPort=0
[[ -f "$deploy/docker-compose.yaml" ]] || fail "publish wrote no $deploy/docker-compose.yaml"
log "published in $(( SECONDS - phase )) s"

# The Broker gets the topic defaults the published Kafka service declares.
partitions="$(sed -n 's/^ *KAFKA_NUM_PARTITIONS: "\([0-9]*\)"$/\1/p' "$deploy/docker-compose.yaml")"
max_bytes="$(sed -n 's/^ *KAFKA_MESSAGE_MAX_BYTES: "\([0-9]*\)"$/\1/p' "$deploy/docker-compose.yaml")"
[[ -n "$partitions" && -n "$max_bytes" ]] || fail "the published kafka service has no KAFKA_NUM_PARTITIONS/KAFKA_MESSAGE_MAX_BYTES"

cat > "$deploy/docker-compose.test.yaml" <<EOF
# Replaces only the images this machine cannot pull (see docs/deploy.md, "What was run where").
services:
  kafka:
    # This repository's Kafka-protocol broker on the listener the services use (kafka:9093), its log in Kafka's volume.
    image: aspirepipeline/broker:latest
    environment:
      Broker__Port: "9093"
      Broker__AdvertisedHost: kafka
      Broker__DataDir: /var/lib/kafka/data
      Broker__DefaultPartitions: "$partitions"
      Broker__MessageMaxBytes: "$max_bytes"
    healthcheck:
      # kafka-topics.sh is not in the Broker image: the check is that the listener accepts connections. The topics are
      # created by the producer's first frame (auto-create), see below.
      test: ["CMD", "bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/9093"]
  camera:
    # The GStreamer simulator at the same URL (rtsp://camera:8554/camera); a smaller picture for a shared 2-core machine.
    image: aspirepipeline/camera-simulator:latest
    command: ["--port", "8554", "--path", "/camera", "--width", "640", "--height", "360", "--fps", "10"]
  footage:
    # The simulator loops the recorded footage the publish bundled and mounted (./files/footage/vtest.avi).
    image: aspirepipeline/camera-simulator:latest
    command: ["--port", "8554", "--path", "/footage", "--video", "/media/footage.avi"]
  aspire-dashboard:
    image: aspirepipeline/dashboard:latest
EOF
(cd "$deploy" && docker-compose -p "$project" -f docker-compose.yaml -f docker-compose.test.yaml config) > "$deploy/docker-compose.config.yaml" \
  || fail "docker-compose rejected the published file with the override"
# docker-compose writes a service's networks as a mapping (`aspire: {}`), which podman-compose 1.0.3 misreads as a
# network named "aspire={}": back to the list form the published file has.
python3 - "$deploy/docker-compose.config.yaml" "$deploy/docker-compose.merged.yaml" <<'PY'
import sys, yaml
compose = yaml.safe_load(open(sys.argv[1]))
for service in compose["services"].values():
    networks = service.get("networks")
    if isinstance(networks, dict) and not any(networks.values()):
        service["networks"] = list(networks)
yaml.safe_dump(compose, open(sys.argv[2], "w"), sort_keys=False)
PY

phase=$SECONDS
# podman-compose does not wait for `condition: service_healthy`. What Kafka's healthcheck guarantees in a real
# deployment (the topics exist before a consumer subscribes) is had here by starting the producer first: it is healthy
# once Kafka has acknowledged its frames, so the frames topic exists. Then everything else starts.
log "starting kafka, camera and producer (project $project)"
compose_up producer
wait_until 300 "producer /health is Healthy (camera read with ffmpeg, frames acknowledged by Kafka)" healthy producer
log "starting the consumers and the dashboard"
compose_up
for service in consumer consumer2 people; do
  wait_until 240 "$service /health is Healthy" healthy "$service"
done
for service in consumer consumer2; do
  wait_until 240 "$service processed 100 frames, contiguous, nothing dead-lettered" processed_at_least "$service" 100
done
# The people group runs at its own pace on the footage only: it skips to the newest frame, so only a count is asked.
wait_until 240 "people analysed 20 frames of the recorded footage" people_analysed_at_least 20
wait_until 60 "producer /health is still Healthy" healthy producer
wait_until 120 "the dashboard asks for a login" dashboard_asks_for_login
log "pipeline running in $(( SECONDS - phase )) s"

phase=$SECONDS
kafka="$(container_of kafka)"
before=()
for service in consumer consumer2; do
  read -r processed _ <<< "$(counters "$service")"
  before+=("$processed")
done
log "restarting the kafka container ($kafka); processed so far: consumer ${before[0]}, consumer2 ${before[1]}"
podman restart -t 10 "$kafka" >/dev/null
wait_until 300 "producer /health is Healthy after the kafka restart" healthy producer
# At most the frames of one auto-commit interval and the restart (10 fps x 30 s) may come twice; none may be missing
# but those the producer reported as dropped.
for index in 0 1; do
  service=$([[ $index == 0 ]] && echo consumer || echo consumer2)
  wait_until 300 "$service processed 100 more frames after the kafka restart, none missing but frames the producer reported dropped, none dead-lettered" \
    processed_at_least "$service" $(( before[index] + 100 )) 300 yes
  log "$service after the restart: $(counters "$service" | awk '{print "processed=" $1 " missing=" $2 " repeated (redelivered)=" $3 " dead-lettered=" $4}'), producer dropped=$(producer_dropped)"
done
for service in producer consumer consumer2; do
  wait_until 60 "$service /health is Healthy after the kafka restart" healthy "$service"
done
log "recovered from the kafka restart in $(( SECONDS - phase )) s"
log "PASS: deployment test"
