/**
 * The published package, as a new user gets it, on a machine without a C toolchain: a fresh
 * copy of the repository builds and packs (`npm pack`) with only node/npm/sh on PATH; the
 * tarball installs into a temp prefix from npm's cache; its `kcptunb server` + `kcptunb client`
 * carry a SHA-256-verified transfer with the prebuilt sockopt addon, and with one start-up line
 * and the pure fallback once the prebuilt is gone; `npx <tarball> -v` and `npm install -g .` in
 * the clone work; the bundled types compile. Also: an addon package without a prebuilt for
 * this machine still builds when there is no compiler.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { echoTransfer, freeTcpPort, freeUdpPort, ProcessGroup, Proc, REPO_ROOT, udpBound, waitFor, waitListening, which } from '@kcptunb/testkit';

const group = new ProcessGroup();
after(() => group.cleanup());
const MiB = 1 << 20;
const VERSION = '0.1.0';

/** What a machine without a C toolchain has: node, npm and a POSIX shell with its basics. */
const BASICS = ['node', 'npm', 'npx', 'sh', 'bash', 'env', 'git', 'cat', 'ls', 'rm', 'mkdir', 'cp', 'mv', 'chmod', 'uname', 'tar', 'gzip', 'sed', 'grep', 'dirname', 'basename'];
const COMPILERS = ['cc', 'gcc', 'g++', 'c++', 'clang', 'make', 'python3', 'python'];

function bareToolPath(dir: string): string {
  mkdirSync(dir);
  for (const tool of BASICS) {
    const at = which(tool);
    if (at) symlinkSync(at, join(dir, tool));
  }
  return dir;
}

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, timeoutMs: number): SpawnSyncReturns<string> {
  const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 * MiB });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')} in ${cwd}: ${r.error?.message ?? `exit ${r.status}`}\n${r.stdout}\n${r.stderr}`);
  return r;
}

/** The working tree as a clone would have it (tracked and new files, nothing ignored: no node_modules, no dist). */
function freshCopy(to: string): void {
  const r = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: REPO_ROOT, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  for (const file of r.stdout.split('\0').filter(Boolean)) {
    const from = join(REPO_ROOT, file);
    if (!existsSync(from) || !statSync(from).isFile()) continue; // deleted in the working tree
    mkdirSync(dirname(join(to, file)), { recursive: true });
    cpSync(from, join(to, file), { preserveTimestamps: true });
  }
}

/** One side of the installed command, stopped by cleanup. */
function startInstalled(bin: string, side: 'client' | 'server', args: string[], env: NodeJS.ProcessEnv): Proc {
  const p = new Proc(`installed ${side}`, bin, [side, '--key', 'package test', '--crypt', 'aes', ...args], { env });
  group.onCleanup(() => p.stop());
  return p;
}

async function installedTunnel(bin: string, env: NodeJS.ProcessEnv, target: number, clientExtra: string[] = []): Promise<{ server: Proc; client: Proc; port: number }> {
  const udp = await freeUdpPort();
  const server = startInstalled(bin, 'server', ['-l', `127.0.0.1:${udp}`, '-t', `127.0.0.1:${target}`], env);
  await waitFor(() => udpBound(udp) ?? /listening on/.test(server.output()), 15_000, 'the installed server', { diag: () => server.tail() });
  const port = await freeTcpPort();
  const client = startInstalled(bin, 'client', ['-l', `127.0.0.1:${port}`, '-r', `127.0.0.1:${udp}`, ...clientExtra], env);
  await waitListening(port, 15_000, () => client.tail());
  return { server, client, port };
}

test('npm pack of a fresh copy without a C compiler → install from the tarball → kcptunb server + client carry a verified transfer; npx <tarball> -v; npm install -g .', { timeout: 600_000 }, async () => {
  const tmp = group.tempDir('kcptunb-package-');
  const repo = join(tmp, 'repo');
  const prefix = join(tmp, 'prefix');
  freshCopy(repo);
  const env: NodeJS.ProcessEnv = {
    HOME: process.env.HOME,
    PATH: bareToolPath(join(tmp, 'bin')),
    TMPDIR: tmp,
    CI: process.env.CI,
    TURBO_TELEMETRY_DISABLED: '1',
    TURBO_NO_UPDATE_NOTIFIER: '1',
    DO_NOT_TRACK: '1',
    npm_config_fund: 'false',
    npm_config_audit: 'false',
    npm_config_update_notifier: 'false',
    // tarballs come from npm's cache (the repo's own `npm ci` filled it); only metadata may be fetched
    npm_config_prefer_offline: 'true',
  };
  for (const tool of COMPILERS) assert.notEqual(spawnSync('sh', ['-c', `command -v ${tool}`], { env }).status, 0, `${tool} must not be on the test's PATH`);

  run('npm', ['ci'], repo, env, 120_000);
  // prepack builds the package's workspaces (turbo → tsc, the addon step) and the bundle on this PATH
  const pack = run('npm', ['pack'], repo, env, 400_000);
  const log = pack.stdout + pack.stderr;
  assert.match(log, /addon sockopt: not compiled \(no python3, make, cc, c\+\+ on PATH\); the runtime loads the committed prebuilds\/linux-x64\//);
  const tarball = join(repo, `kcptunb-${VERSION}.tgz`);
  assert.ok(existsSync(tarball), log.slice(-2000));

  run('npm', ['install', '-g', '--prefix', prefix, tarball], tmp, env, 120_000);
  const bin = join(prefix, 'bin', 'kcptunb');
  assert.equal(run(bin, ['-v'], tmp, env, 20_000).stdout, `kcptun version ${VERSION}\n`);
  assert.equal(run(bin, ['client', '-v'], tmp, env, 20_000).stdout, `kcptun version ${VERSION}\n`);

  // the prebuilt addon is what loads: no "sockopt:" fallback line, TFO set on the client's listener
  const target = await group.echoServer();
  const withAddon = await installedTunnel(bin, env, target, ['--metrics', '0', '--dashboard', '0']);
  const r = await echoTransfer(withAddon.port, 4 * MiB, 60_000);
  assert.equal(r.bytes, 4 * MiB);
  // --metrics and --dashboard work from the package: prom-client installed, the chart library's files shipped
  await waitFor(() => /dashboard: http/.test(withAddon.client.output()), 10_000, 'the installed dashboard');
  const metricsAt = /metrics: (http:\/\/\S+)/.exec(withAddon.client.output())![1]!;
  const dashboardAt = /dashboard: (http:\/\/\S+)/.exec(withAddon.client.output())![1]!;
  assert.match(await (await fetch(metricsAt)).text(), /^kcptunb_snmp_bytes_sent_total\{side="client"\} [1-9]/m);
  for (const asset of ['', 'uPlot.iife.min.js', 'uPlot.min.css']) assert.equal((await fetch(`${dashboardAt}${asset}`)).status, 200, `dashboard ${asset || 'page'}`);
  assert.doesNotMatch(withAddon.server.output() + withAddon.client.output(), /sockopt:|TCP_FASTOPEN|tfo: not used/);
  await Promise.all([withAddon.client.stop(), withAddon.server.stop()]);

  // no prebuilt for this machine: one start-up line each, the pure fallback, the same transfer
  const installed = join(prefix, 'lib', 'node_modules', 'kcptunb');
  assert.deepEqual(readdirSync(join(installed, 'dist', 'addons', 'sockopt', 'prebuilds')).sort(), ['linux-arm64', 'linux-x64']);
  rmSync(join(installed, 'dist', 'addons'), { recursive: true });
  const fallback = await installedTunnel(bin, env, target);
  await echoTransfer(fallback.port, 1 * MiB, 60_000);
  for (const side of [fallback.server, fallback.client]) {
    const lines = side.output().split('\n').filter((l) => /sockopt|TCP_FASTOPEN|tfo: not used/.test(l));
    assert.equal(lines.length, 1, `${side.label}: ${lines.join('\n')}`);
    assert.match(lines[0]!, /sockopt: native addon sockopt not loadable: No native build was found for platform=linux arch=x64 .*; TCP Fast Open and DSCP fall back to plain sockets$/);
  }

  // npx runs the tarball's bin (a relative path: npx runs an absolute one as a file)
  assert.equal(run('npx', ['--yes', `./kcptunb-${VERSION}.tgz`, '-v'], repo, env, 120_000).stdout, `kcptun version ${VERSION}\n`);

  // a built clone installs itself globally (a link to the clone)
  const linkPrefix = join(tmp, 'link-prefix');
  run('npm', ['install', '-g', '--prefix', linkPrefix, '.'], repo, env, 120_000);
  assert.equal(run(join(linkPrefix, 'bin', 'kcptunb'), ['server', '-v'], tmp, env, 20_000).stdout, `kcptun version ${VERSION}\n`);
  // and npm ci put the command where the README says
  assert.equal(run('npx', ['kcptunb', '-v'], repo, env, 60_000).stdout, `kcptun version ${VERSION}\n`);

  // the package's types compile for a consumer (exports → dist/lib/index.d.ts)
  const consumer = join(tmp, 'consumer');
  mkdirSync(join(consumer, 'node_modules', '@types'), { recursive: true });
  symlinkSync(installed, join(consumer, 'node_modules', 'kcptunb'));
  symlinkSync(join(REPO_ROOT, 'node_modules', '@types', 'node'), join(consumer, 'node_modules', '@types', 'node'));
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ type: 'module' }));
  writeFileSync(join(consumer, 'use.ts'), "import { resolveConfig, type TunnelSettings } from 'kcptunb';\nconst r = resolveConfig('server', ['--pprof']);\nconst s: TunnelSettings | undefined = r.kind === 'run' ? r.settings : undefined;\nexport const port: number | undefined = s?.pprof?.port;\n");
  const tsc = join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  run(process.execPath, [tsc, '--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2023', '--types', 'node', 'use.ts'], consumer, env, 60_000);
});

test('an addon package with no prebuilt for this machine builds without a compiler, saying the runtime falls back', () => {
  const tmp = group.tempDir('kcptunb-addon-');
  const pkg = join(tmp, 'someaddon');
  mkdirSync(join(pkg, 'src'), { recursive: true });
  writeFileSync(join(pkg, 'binding.gyp'), JSON.stringify({ targets: [{ target_name: 'someaddon', sources: ['src/addon.c'] }] }));
  writeFileSync(join(pkg, 'src', 'addon.c'), '#include <node_api.h>\n');
  const env = { PATH: bareToolPath(join(tmp, 'bin')) };
  const script = join(REPO_ROOT, 'packages', 'native', 'scripts', 'build-addon.mjs');
  const r = spawnSync(process.execPath, [script], { cwd: pkg, env, encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, `addon someaddon: not compiled (no python3, make, cc, c++ on PATH), and there is no prebuilt for ${process.platform}-${process.arch}: the runtime falls back to pure code\n`);
  assert.equal(existsSync(join(pkg, 'build')), false);
});
