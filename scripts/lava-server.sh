#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A single-machine LAVA lab: Debian's lava-server (PostgreSQL behind it)
# with one worker and one qemu device under TCG, driven through its API
# with lavacli, as a lab's jobs are submitted and fetched.
#
#   scripts/lava-server.sh up
#       install what is missing (scripts/install-deps.sh lava-server),
#       start PostgreSQL, the web/API service (gunicorn, 127.0.0.1 only),
#       the scheduler and a worker, and register the worker, the qemu
#       device (scripts/lava/devices/qemu-tcg.jinja2) and a user with an
#       API token; prints the lavacli URI.  Idempotent.
#   scripts/lava-server.sh submit [--out DIR] [--timeout S] JOB.yaml...
#       lavacli jobs submit each job, wait for it, and fetch through the
#       API its log (DIR/<id>/log.yaml), its LAVA results
#       (DIR/<id>/results.yaml) and the mmb-result/1 files it printed
#       (DIR/<id>/<job file's name>/, lava-jobs.sh --fetch: mmb matrix,
#       compare and report read them); one line per job.
#       Ctrl-C cancels the jobs it submitted.  Exit 1 if a job did not
#       complete or brought back no result.
#   scripts/lava-server.sh uri | down
#       the lavacli URI (user:token@host) | stop the services up started
#       (PostgreSQL is left running)
#
# State (tokens, logs, pids, the worker's files) lives in
# $MMB_LAVA_SERVER_DIR (default /var/lib/mmb/lava-server); the API
# listens on 127.0.0.1:$MMB_LAVA_PORT (default 8910).  Root only: it
# installs packages and runs services.
set -u

self=$(readlink -f "$0")
top=$(cd "$(dirname "$self")/.." && pwd)
state=${MMB_LAVA_SERVER_DIR:-/var/lib/mmb/lava-server}
port=${MMB_LAVA_PORT:-8910}
worker=mmb-worker device=mmb-qemu-01 user=mmb
die() { echo "lava-server: $*" >&2; exit 2; }
fail() { echo "lava-server: $*" >&2; exit 1; }
say() { echo "lava-server: $*"; }

[[ $port =~ ^[1-9][0-9]{0,4}$ ]] && [ "$port" -le 65535 ] ||
	die "MMB_LAVA_PORT: '$port': not a TCP port"
cmd=${1:-}
[ $# -gt 0 ] && shift
case $cmd in
up|down|uri) [ $# -eq 0 ] || die "$cmd: takes no arguments (got '$1')" ;;
submit) ;;
-h|--help) sed -n '3,28p' "$self" | sed 's/^# \{0,1\}//'; exit 0 ;;
'') die "name a command: up, submit, uri or down" ;;
*) die "unknown command '$cmd' (up, submit, uri, down)" ;;
esac
root() { [ "$(id -u)" = 0 ] || die "$cmd: run as root: it installs packages and runs services"; }

manage() { lava-server manage "$@" 2>&1; }
alive() {	# alive NAME: the service up started is running
	local p
	p=$(cat "$state/$1.pid" 2>/dev/null) && [ -n "$p" ] && kill -0 "$p" 2>/dev/null
}
start() {	# start NAME COMMAND...: in its own session, pid in $state
	alive "$1" && return 0
	local name=$1
	shift
	setsid "$@" > "$state/$name.out" 2>&1 < /dev/null &
	echo $! > "$state/$name.pid"
}
api_up() { curl -sf -o /dev/null "http://127.0.0.1:$port/api/v0.2/system/version/"; }
wait_for() {	# wait_for SECONDS WHAT COMMAND...
	local t=$1 what=$2
	shift 2
	while ! "$@"; do
		t=$((t - 1))
		[ $t -gt 0 ] || fail "$what did not come up; see $state/*.out and *.log"
		sleep 1
	done
}
uri() {
	local tok
	tok=$(cat "$state/token" 2>/dev/null) || fail "no API token: scripts/lava-server.sh up first"
	echo "http://$user:$tok@127.0.0.1:$port/RPC2"
}

up() {
	local t0=$SECONDS t tok out
	root
	"$top/scripts/install-deps.sh" lava-server || fail "installing lava-server failed"
	say "packages: $((SECONDS - t0)) s"
	mkdir -p "$state/worker" || die "cannot create '$state'"
	t=$SECONDS
	# the server's database: a cluster a reboot left down is started
	pg_lsclusters -h | while read -r ver name _ st _; do
		[ "$st" = online ] || pg_ctlcluster "$ver" "$name" start
	done
	pg_lsclusters -h | grep -q online || fail "PostgreSQL did not start (pg_lsclusters)"
	if ! alive gunicorn && curl -s -o /dev/null "http://127.0.0.1:$port/"; then
		fail "127.0.0.1:$port is taken by something else (set MMB_LAVA_PORT)"
	fi
	start gunicorn gunicorn3 lava_server.wsgi --bind "127.0.0.1:$port" \
		-u lavaserver -g lavaserver --worker-class eventlet --workers 2 \
		--log-level INFO --log-file "$state/gunicorn.log"
	start scheduler lava-server manage lava-scheduler --level INFO \
		--log-file "$state/scheduler.log"
	wait_for 60 "the API on 127.0.0.1:$port" api_up
	say "database, API and scheduler: $((SECONDS - t)) s"
	t=$SECONDS
	# the worker, its qemu device and the API user, each once
	out=$(manage workers details "$worker")
	if ! tok=$(sed -n 's/^token *: //p' <<< "$out") || [ -z "$tok" ]; then
		tok=$(manage workers add --description "mmb's local worker" "$worker" |
			sed -n 's/^Token: //p')
	fi
	[ -n "$tok" ] || fail "could not register worker $worker"
	echo "$tok" > "$state/worker-token" && chmod 600 "$state/worker-token"
	manage device-types list | grep -q '^\* qemu ' ||
		manage device-types add qemu > /dev/null || fail "device-types add qemu failed"
	cp "$top/scripts/lava/devices/qemu-tcg.jinja2" \
		"/etc/lava-server/dispatcher-config/devices/$device.jinja2" ||
		fail "cannot write $device's device dictionary"
	manage devices list | grep -q "^\* $device " ||
		manage devices add --device-type qemu --worker "$worker" \
			--description "qemu under TCG (mmb)" "$device" > /dev/null ||
		fail "devices add $device failed"
	manage users list | grep -qx "\* $user" ||
		manage users add "$user" --superuser --staff > /dev/null ||
		fail "users add $user failed"
	if [ ! -s "$state/token" ]; then
		tok=$(manage tokens add --user "$user" --description mmb | tail -1)
		[[ $tok =~ ^[a-z0-9]{32,}$ ]] || fail "tokens add failed: $tok"
		echo "$tok" > "$state/token" && chmod 600 "$state/token"
	fi
	start worker lava-worker --level INFO --url "http://127.0.0.1:$port/" \
		--name "$worker" --token-file "$state/worker-token" \
		--worker-dir "$state/worker" --log-file "$state/worker.log"
	wait_for 60 "worker $worker" sh -c \
		"lava-server manage workers details $worker 2>/dev/null | grep -q '^state *: Online'"
	say "worker, device and user: $((SECONDS - t)) s"
	lavacli --uri "$(uri)" devices show "$device" > "$state/device.txt" 2>&1 ||
		fail "lavacli cannot reach the API: $(tail -1 "$state/device.txt")"
	say "up in $((SECONDS - t0)) s: $device ($(sed -n 's/^health *: //p' "$state/device.txt")) on worker $worker; lavacli --uri \"\$(scripts/lava-server.sh uri)\" ..."
}

down() {
	local s p
	root
	for s in worker scheduler gunicorn; do
		p=$(cat "$state/$s.pid" 2>/dev/null) || continue
		kill -- -"$p" 2>/dev/null && say "stopped $s"
		rm -f "$state/$s.pid"
	done
}

submit() {
	local out=lava-server-out timeout=1800 u ids=() names=() id j h t rc=0 n i
	while [ $# -gt 0 ]; do
		case $1 in
		--out) out=${2:?--out needs a directory}; shift 2 ;;
		--timeout) timeout=${2:?--timeout needs seconds}; shift 2 ;;
		-*) die "submit: unknown option '$1'" ;;
		*) break ;;
		esac
	done
	[[ $timeout =~ ^[1-9][0-9]*$ ]] || die "--timeout: '$timeout': not seconds"
	[ $# -gt 0 ] || die "submit: name a job file (scripts/lava-jobs.sh writes them)"
	for j in "$@"; do
		[ -r "$j" ] || die "submit: '$j': cannot read it"
	done
	root
	u=$(uri) || exit 1
	mkdir -p "$out" || die "--out: cannot create '$out'"
	# nothing left running on the device if we are stopped
	trap 'for i in "${ids[@]}"; do lavacli --uri "$u" jobs cancel "$i" >/dev/null 2>&1; done
		echo "lava-server: interrupted; cancelled job(s) ${ids[*]}" >&2; exit 130' INT TERM
	for j in "$@"; do
		id=$(lavacli --uri "$u" jobs submit "$j" 2>"$out/submit.err") ||
			fail "submit: $j: $(tail -1 "$out/submit.err")"
		ids+=("$id")
		j=${j##*/}
		names+=("${j%.yaml}")
		say "submitted $j as job $id"
	done
	for i in "${!ids[@]}"; do
		id=${ids[$i]} t=$SECONDS
		lavacli --uri "$u" jobs wait "$id" --timeout "$timeout" > /dev/null 2>&1
		mkdir -p "$out/$id"
		lavacli --uri "$u" jobs show --yaml "$id" > "$out/$id/job.yaml" 2>&1
		h=$(sed -n 's/^health: //p' "$out/$id/job.yaml")
		lavacli --uri "$u" jobs logs --raw "$id" > "$out/$id/log.yaml" 2>&1
		lavacli --uri "$u" results --yaml "$id" > "$out/$id/results.yaml" 2>&1
		n=$(grep -c '^- id:' "$out/$id/results.yaml")
		if "$top/scripts/lava-jobs.sh" --fetch "$out/$id/log.yaml" \
			--out "$out/$id/${names[$i]}" > "$out/$id/fetch.txt" 2>&1; then
			:
		else
			rc=1
		fi
		[ "$h" = Complete ] || rc=1
		say "job $id: ${h:-no health} (waited $((SECONDS - t)) s); $n LAVA results;" \
			"$(head -1 "$out/$id/fetch.txt" | sed 's/^lava-jobs: //')"
	done
	trap - INT TERM
	return $rc
}

case $cmd in
up) up ;;
down) down ;;
uri) uri ;;
submit) submit "$@" ;;
esac
