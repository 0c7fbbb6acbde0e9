#!/usr/bin/env bash
# The Dockerfile's recipe without Docker: the same steps, in the same order (each marked
# `step NAME`, as the Dockerfile marks them `# recipe: NAME`), so a machine that cannot pull
# images still proves the image would build and run. Used by CI through
# tests/build/container-recipe.test.ts, which also keeps this script and the Dockerfile in step.
#
#   scripts/container-recipe.sh [WORK_DIR]
#
# The app's settings for the start step come from the caller's environment, as they come from the
# platform's app settings in the image (APP_MODE defaults to tenant, as in the image). It listens
# on 127.0.0.1 (RECIPE_PORT, or a free port), probes /healthz and /readyz, then stops it with
# SIGTERM and expects a clean exit. Last line: "recipe: ok".
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# A work directory named by the caller is kept; one made here (over 1 GB of dependencies) is
# removed when the script ends, whichever way it ends.
own_work=0
if [ -n "${1:-}" ]; then
  work=$1
else
  work=$(mktemp -d "${TMPDIR:-/tmp}/wexqs-recipe.XXXXXX")
  own_work=1
fi
pid=""
finish() {
  if [ -n "$pid" ]; then kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true; fi
  if [ "$own_work" = 1 ]; then rm -rf "$work"; fi
}
trap finish EXIT
mkdir -p "$work"
chmod 755 "$work"
step() { echo "recipe: $1"; }
fail() {
  echo "recipe: FAILED: $*" >&2
  exit 1
}

step build-deps
rm -rf "$work/src"
mkdir -p "$work/src"
cp "$root/package.json" "$root/package-lock.json" "$work/src/"
# RECIPE_BUILD_DEPS_FROM=DIR reuses DIR's node_modules for the build stage when DIR was installed
# from the same lock file (CI has just run `npm ci` on it). The runtime stage always installs afresh.
reuse=${RECIPE_BUILD_DEPS_FROM:-}
if [ -n "$reuse" ] && [ -d "$reuse/node_modules" ] && cmp -s "$reuse/package-lock.json" "$work/src/package-lock.json"; then
  ln -s "$reuse/node_modules" "$work/src/node_modules"
  echo "recipe: build dependencies reused from $reuse (same package-lock.json)"
else
  (cd "$work/src" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
fi

step build
# The build context (COPY . .): the repository's files less what .gitignore / .dockerignore keep out.
(cd "$root" && git ls-files -z --cached --others --exclude-standard) |
  while IFS= read -r -d '' f; do [ -f "$root/$f" ] && printf '%s\0' "$f"; done |
  tar -C "$root" --null -T - -cf - | tar -C "$work/src" -xf -
(cd "$work/src" && npm run build)

step runtime-deps
rm -rf "$work/app"
mkdir -p "$work/app"
cp "$work/src/package.json" "$work/src/package-lock.json" "$work/app/"
(cd "$work/app" && NODE_ENV=production npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error)
for dev in typescript tsx vitest eslint @microsoft/m365agentsplayground; do
  [ ! -e "$work/app/node_modules/$dev" ] || fail "a development dependency was installed: $dev"
done

step copy-build
cp -R "$work/src/dist" "$work/app/dist"
for f in dist/src/main.js dist/src/tab/tab.js dist/src/tab/index.html; do
  [ -f "$work/app/$f" ] || fail "the build left out $f"
done

step user
# The image runs as an unprivileged user that can write only its data directory. As root here,
# run as `nobody` the same way; otherwise the current (already unprivileged) user.
mkdir -p "$work/app/.data"
as_user=()
if [ "$(id -u)" = 0 ]; then
  chown -R 65534:65534 "$work/app/.data"
  as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups --)
fi

step start
port=${RECIPE_PORT:-$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")}
log="$work/app.log"
(
  cd "$work/app"
  export NODE_ENV=production APP_MODE="${APP_MODE:-tenant}" HOST=127.0.0.1 PORT="$port" DATA_DIR="$work/app/.data"
  exec "${as_user[@]}" node dist/src/main.js
) >"$log" 2>&1 &
pid=$!

step healthcheck
probe() { node -e "fetch('http://127.0.0.1:$port$1').then(r=>{console.log(r.status)},()=>console.log(0))"; }
status=0
for _ in $(seq 1 240); do
  kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; fail "the app exited before answering"; }
  status=$(probe /healthz)
  [ "$status" = 200 ] && break
  sleep 0.25
done
[ "$status" = 200 ] || { cat "$log" >&2; fail "/healthz answered $status"; }
echo "recipe: /healthz 200"
ready=$(probe /readyz)
case "$ready" in
  200) echo "recipe: /readyz 200" ;;
  404) echo "recipe: /readyz not served by this build (the image's HEALTHCHECK needs it)" ;;
  *) cat "$log" >&2; fail "/readyz answered $ready" ;;
esac
[ "$(id -u)" != 0 ] || [ "$(ps -o uid= -p "$pid" | tr -d ' ')" = 65534 ] || fail "the app is not running as nobody"
# The personal tab's page and script come from the compiled build's static files.
tab=$(node -e "fetch('http://127.0.0.1:$port/tab').then(async r=>console.log(r.status, /<html/i.test(await r.text())),()=>console.log(0))")
[ "$tab" = "200 true" ] || { cat "$log" >&2; fail "/tab answered $tab"; }
echo "recipe: /tab 200"

# SIGTERM, as a platform stops a container: a graceful stop with exit code 0.
kill -TERM "$pid"
code=0
wait "$pid" || code=$?
pid=""
[ "$code" = 0 ] || { cat "$log" >&2; fail "exit code $code after SIGTERM"; }
grep -q '"msg":"app stopped"' "$log" || { cat "$log" >&2; fail "no 'app stopped' in the log"; }
echo "recipe: stopped cleanly on SIGTERM"
echo "recipe: ok"
