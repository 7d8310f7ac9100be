/** @kcptunb/testkit: the one process harness of test/ and bench/. */
export { commandFor, KCPTUNB_BIN, launcherOf, REPO_ROOT, requireKcptun, requireUpstream, UPSTREAM_DIR, which, type Impl, type Side } from './binaries.js';
export { concurrentEchoes, echoOn, echoTransfer, startEchoServer, type EchoResult, type EchoStats } from './echo.js';
export { ProcessGroup } from './group.js';
export { loadAverage } from './host.js';
export { percentile, pingPong, streamOpens, transfer, type Limits, type Ping, type Transfer } from './measure.js';
export { canConnect, freeTcpPort, freeUdpPort, udpBound, waitListening } from './ports.js';
export { killAll, Proc, type ProcOptions } from './proc.js';
export { Rng, runSeed } from './random.js';
export { ringDuplex, type RingDuplexResult } from './ringDuplex.js';
export { produceStream, RecordStream, StreamHasher, type StreamSummary } from './ringStream.js';
export { counters, Target } from './target.js';
export { commonFlags, startTunnel, type TunnelFlags } from './testTunnel.js';
export { serverReady, startSide, Tunnel, type OnStart, type TunnelSpec } from './tunnel.js';
export { sleep, waitFor } from './wait.js';
export { bindLoopbackUdp, garbageDgramFlood, replayFlood, shortSession, shortSessions, type RawClientOptions } from './rawClient.js';
export { kcptunbCountersOf, readMemory, snmpOf, type MemoryReading } from './processMemory.js';
export { startUdpRelay, UdpRelay, type DirectionStats, type Impairment, type UdpRelayOptions } from './udpRelay.js';
