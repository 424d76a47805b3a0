// The e2e lab library's public surface: import everything a test needs from here.
export { Lab } from './lab.ts';
export type { LabLink, LinkOptions, NodeOptions } from './lab.ts';
export { DaemonProcess, execArgv, execChecked } from './process.ts';
export type { ExecOptions, ExecResult } from './process.ts';
export { waitFor, sleep, WaitTimeoutError } from './wait.ts';
export type { WaitOptions } from './wait.ts';
export { Bird, renderBirdConfig, parseBirdProtocol, parseBirdRoutes } from './bird.ts';
export type { BirdConfig, BirdNeighbor, BirdProtocol, BirdRoute, BirdStaticRoute, Family } from './bird.ts';
export { Frr, renderBgpdConfig } from './frr.ts';
export type { FrrConfig, FrrNeighbor, FrrNeighborState, FrrPath, FrrSummary } from './frr.ts';
export { GoBgp, renderGoBgpConfig, isEstablished } from './gobgp.ts';
export type { GoBgpConfig, GoBgpNeighbor, GoBgpPath, GoBgpPeer, GoBgpRoute } from './gobgp.ts';
export { ExaBgp, renderExaBgpConfig } from './exabgp.ts';
export type { ExaBgpConfig, ExaBgpEvent, ExaBgpNeighbor } from './exabgp.ts';
export { Capture, startCapture, tsharkDecode, checkMessageHex } from './capture.ts';
export type { CapturedBgpMessage } from './capture.ts';
