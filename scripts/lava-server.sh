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
#       API token; says how to reach it with lavacli.  Idempotent; on a
#       systemd machine Debian's own LAVA units are stopped and disabled
#       (they would run a second scheduler and a publisher on every
#       interface).
#   scripts/lava-server.sh submit [--out DIR] [--timeout S] JOB.yaml...
#       lavacli jobs submit each job, wait for it, and fetch through the
#       API its log (DIR/<id>/log.yaml), its LAVA results
#       (DIR/<id>/results.yaml) and the mmb-result/1 files it printed
#       (DIR/<id>/<job file's name>/, lava-jobs.sh --fetch: mmb matrix,
#       compare and report read them); one line per job.
#       Ctrl-C (or TERM) cancels the jobs it submitted, as does a job
#       that outlives --timeout (default 1800 s).  Exit 1 if a job did not
#       complete or brought back no result.
#   scripts/lava-server.sh uri | down
#       the lavacli URI (user:token@host) | cancel the jobs still queued or
#       running and stop the services up started (PostgreSQL is left
#       running)
#
# State (tokens, logs, the worker's files) lives in $MMB_LAVA_SERVER_DIR
# (default /var/lib/mmb/lava-server), the services' pids in
# /run/mmb-lava-server (gone at boot, as the services are); the API
# listens on 127.0.0.1:$MMB_LAVA_PORT (default 8910).  Root only: it
# installs packages and runs services.
set -u

self=$(readlink -f "$0")
top=$(cd "$(dirname "$self")/.." && pwd)
state=${MMB_LAVA_SERVER_DIR:-/var/lib/mmb/lava-server}
run=/run/mmb-lava-server
port=${MMB_LAVA_PORT:-8910}
worker=mmb-worker device=mmb-qemu-01 user=mmb
die() { echo "lava-server: $*" >&2; exit 2; }
fail() { echo "lava-server: $*" >&2; exit 1; }
say() { echo "lava-server: $*"; }

cmd=${1:-}
[ $# -gt 0 ] && shift
case $cmd in
up|down|uri) [ $# -eq 0 ] || die "$cmd: takes no arguments (got '$1')" ;;
submit) ;;
-h|--help) sed -n '3,/^set -u/p' "$self" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
'') die "name a command: up, submit, uri or down" ;;
*) die "unknown command '$cmd' (up, submit, uri, down)" ;;
esac
[[ $port =~ ^[1-9][0-9]{0,4}$ ]] && [ "$port" -le 65535 ] ||
	die "MMB_LAVA_PORT: '$port': not a TCP port"
root() { [ "$(id -u)" = 0 ] || die "$cmd: run as root: it installs packages and runs services"; }

manage() { lava-server manage "$@" 2>&1; }
alive() {	# alive NAME: the service up started is running (the pid is
		# its, not one reused: its command line names the service)
	local p
	p=$(cat "$run/$1.pid" 2>/dev/null) && [ -n "$p" ] && kill -0 "$p" 2>/dev/null &&
		tr '\0' ' ' < "/proc/$p/cmdline" 2>/dev/null | grep -q "$(key "$1")"
}
key() {		# key NAME: what the service's command line says
	case $1 in
	gunicorn) echo "lava_server.wsgi" ;;
	scheduler) echo "lava-scheduler" ;;
	worker) echo "lava-worker" ;;
	esac
}
start() {	# start NAME COMMAND...: in its own session, pid in $run
	alive "$1" && return 0
	local name=$1
	shift
	(cd / && exec setsid "$@" > "$state/$name.out" 2>&1 < /dev/null) &
	echo $! > "$run/$name.pid"
}
api_up() { curl -sf -o /dev/null "http://127.0.0.1:$port/api/v0.2/system/version/"; }
wait_for() {	# wait_for SECONDS WHAT COMMAND...
	local t=$1 what=$2
	shift 2
	t=$((SECONDS + t))
	while ! "$@"; do
		[ $SECONDS -lt $t ] || fail "$what did not come up; see $state/*.out and *.log"
		sleep 1
	done
}
uri() {
	local tok
	root
	tok=$(cat "$state/token" 2>/dev/null) || fail "no API token: scripts/lava-server.sh up first"
	echo "http://$user:$tok@127.0.0.1:$port/RPC2"
}

up() {
	local t0=$SECONDS t tok out
	root
	"$top/scripts/install-deps.sh" lava-server || fail "installing lava-server failed"
	# what the lava-server set brings (tests/commands.py reads these)
	command -v lava-server > /dev/null && command -v lava-worker > /dev/null &&
		command -v lavacli > /dev/null && command -v gunicorn3 > /dev/null &&
		command -v pg_lsclusters > /dev/null && command -v pg_ctlcluster > /dev/null ||
		fail "lava-server, lava-worker, lavacli, gunicorn3 or PostgreSQL's tools missing after scripts/install-deps.sh lava-server"
	say "packages: $((SECONDS - t0)) s"
	umask 022
	mkdir -p "$state/worker" "$run" || fail "cannot create '$state' or '$run'"
	t=$SECONDS
	# Debian's units, where systemd runs them: ours replace them
	if [ -d /run/systemd/system ] && command -v systemctl > /dev/null; then
		systemctl disable --now lava-worker lava-scheduler lava-publisher \
			lava-server-gunicorn > /dev/null 2>&1
	fi
	# the server's database: a cluster a reboot left down is started
	pg_lsclusters -h | while read -r ver name _ st _; do
		case $st in online*) ;; *) pg_ctlcluster "$ver" "$name" start ;; esac
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
	sleep 2
	alive scheduler || fail "the scheduler died: $(tail -3 "$state/scheduler.out" "$state/scheduler.log" 2>/dev/null)"
	say "database, API and scheduler: $((SECONDS - t)) s"
	t=$SECONDS
	# the worker, its qemu device and the API user, each once
	out=$(manage workers details "$worker")
	if ! tok=$(sed -n 's/^token *: //p' <<< "$out") || [ -z "$tok" ]; then
		tok=$(manage workers add --description "mmb's local worker" "$worker" |
			sed -n 's/^Token: //p')
	fi
	[ -n "$tok" ] || fail "could not register worker $worker"
	(umask 077 && echo "$tok" > "$state/worker-token") || fail "cannot write the worker's token"
	manage device-types list | grep -q '^\* qemu ' ||
		manage device-types add qemu > /dev/null || fail "device-types add qemu failed"
	install -m 644 "$top/scripts/lava/devices/qemu-tcg.jinja2" \
		"/etc/lava-server/dispatcher-config/devices/$device.jinja2" ||
		fail "cannot write $device's device dictionary"
	manage devices list | grep -q "^\* $device " ||
		manage devices add --device-type qemu --worker "$worker" \
			--description "qemu under TCG (mmb)" "$device" > /dev/null ||
		fail "devices add $device failed"
	manage users list | grep -qx "\* $user" ||
		manage users add "$user" --superuser --staff > /dev/null ||
		fail "users add $user failed"
	# a token a recreated database no longer knows is replaced
	tok=$(cat "$state/token" 2>/dev/null)
	if [ -z "$tok" ] || ! manage tokens list --user "$user" | grep -q "^\* $tok "; then
		tok=$(manage tokens add --user "$user" --description mmb | tail -1)
		[[ $tok =~ ^[a-z0-9]{32,}$ ]] || fail "tokens add failed: $tok"
		(umask 077 && echo "$tok" > "$state/token") || fail "cannot write the API token"
	fi
	start worker lava-worker --level INFO --url "http://127.0.0.1:$port/" \
		--name "$worker" --token-file "$state/worker-token" \
		--worker-dir "$state/worker" --log-file "$state/worker.log"
	wait_for 60 "worker $worker" sh -c \
		"lava-server manage workers details $worker 2>/dev/null | grep -q '^state *: Online'"
	say "worker, device and user: $((SECONDS - t)) s"
	lavacli --uri "$(uri)" devices show "$device" > "$state/device.txt" 2>&1 ||
		fail "lavacli cannot reach the API: $(tail -1 "$state/device.txt")"
	# a device left Bad or in Maintenance would take no job
	case $(sed -n 's/^health *: //p' "$state/device.txt") in
	Good|Unknown) ;;
	*) manage devices update --health UNKNOWN "$device" > /dev/null ||
		fail "$device is $(sed -n 's/^health *: //p' "$state/device.txt") and cannot be set back" ;;
	esac
	say "up in $((SECONDS - t0)) s: $device ($(sed -n 's/^health *: //p' "$state/device.txt")) on worker $worker; lavacli --uri \"\$(scripts/lava-server.sh uri)\" ..."
}

down() {
	local s p i ids u
	root
	# no job left Running in the database, no lava-run left behind
	if alive gunicorn && u=$(uri 2>/dev/null); then
		for s in SUBMITTED SCHEDULING SCHEDULED RUNNING; do
			ids=$(lavacli --uri "$u" jobs list --state "$s" --yaml 2>/dev/null |
				/usr/bin/python3 -c 'import sys, yaml
for j in yaml.safe_load(sys.stdin) or []: print(j["id"])' 2>/dev/null)
			for i in $ids; do
				lavacli --uri "$u" jobs cancel "$i" > /dev/null 2>&1 && say "cancelled job $i"
			done
		done
	fi
	for s in worker scheduler gunicorn; do
		alive "$s" || { rm -f "$run/$s.pid"; continue; }
		p=$(cat "$run/$s.pid")
		kill -- -"$p" 2>/dev/null
		for i in $(seq 30); do kill -0 "$p" 2>/dev/null || break; sleep 1; done
		kill -0 "$p" 2>/dev/null && kill -KILL -- -"$p" 2>/dev/null
		rm -f "$run/$s.pid"
		say "stopped $s"
	done
	# lava-run runs in a process group of its own (the worker's setpgrp)
	pkill -f "lava-run .*$state/worker" 2>/dev/null && say "stopped a lava-run"
	return 0
}

submit() {
	local out=lava-server-out timeout=1800 u ids=() names=() id j h t rc=0 n i w msg
	while [ $# -gt 0 ]; do
		case $1 in
		--out|--timeout)
			[ $# -ge 2 ] || die "$1 needs a value"
			[ "$1" = --out ] && out=$2 || timeout=$2
			shift 2 ;;
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
	command -v lavacli > /dev/null || fail "no lavacli: scripts/lava-server.sh up first"
	u=$(uri) || exit 1
	mkdir -p "$out" || die "--out: cannot create '$out'"
	# nothing left on the device when we stop early: Ctrl-C, TERM, a
	# job refused half-way through the list
	cancel() {
		local i
		for i in "${ids[@]}"; do
			lavacli --uri "$u" jobs cancel "$i" > /dev/null 2>&1
		done
		[ ${#ids[@]} -eq 0 ] || echo "lava-server: cancelled job(s) ${ids[*]}" >&2
	}
	trap 'w=${w:-}; [ -n "$w" ] && kill "$w" 2>/dev/null; echo "lava-server: interrupted" >&2; cancel; exit 130' INT
	trap 'w=${w:-}; [ -n "$w" ] && kill "$w" 2>/dev/null; echo "lava-server: terminated" >&2; cancel; exit 143' TERM
	for j in "$@"; do
		# lavacli says a refused job on stdout and exits 0
		msg=$(lavacli --uri "$u" jobs submit "$j" 2>&1)
		if ! [[ $msg =~ ^[0-9]+$ ]]; then
			echo "lava-server: submit: $j: ${msg:-lavacli printed nothing}" >&2
			cancel
			exit 1
		fi
		id=$msg
		ids+=("$id")
		j=${j##*/}
		names+=("${j%.yaml}")
		say "submitted $j as job $id"
	done
	for i in "${!ids[@]}"; do
		id=${ids[$i]} t=$SECONDS
		# in the background, so that a signal is handled at once
		lavacli --uri "$u" jobs wait "$id" --timeout "$timeout" > /dev/null 2>&1 &
		w=$!
		wait "$w"
		n=$?
		w=
		if [ $n -ne 0 ]; then
			lavacli --uri "$u" jobs cancel "$id" > /dev/null 2>&1
			echo "lava-server: job $id: not finished after $timeout s (--timeout); cancelled" >&2
			rc=1
		fi
		mkdir -p "$out/$id"
		lavacli --uri "$u" jobs show --yaml "$id" > "$out/$id/job.yaml" 2>&1
		h=$(sed -n 's/^health: //p' "$out/$id/job.yaml")
		lavacli --uri "$u" jobs logs --no-follow --raw "$id" > "$out/$id/log.yaml" 2>&1
		lavacli --uri "$u" results --yaml "$id" > "$out/$id/results.yaml" 2>&1
		n=$(grep -c '^- id:' "$out/$id/results.yaml")
		"$top/scripts/lava-jobs.sh" --fetch "$out/$id/log.yaml" \
			--out "$out/$id/${names[$i]}" > "$out/$id/fetch.txt" 2>&1 || rc=1
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
