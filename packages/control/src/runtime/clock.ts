export { nowMs } from '@kcptunb/dataplane';
