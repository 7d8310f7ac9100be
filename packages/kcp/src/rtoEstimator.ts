/**
 * kcp-go's retransmission-timeout estimator (docs/protocol.md §3.4) — it differs from the
 * C reference: the variance decays slowly (÷32) when the sample is well below
 * the smoothed RTT and quickly (÷4) otherwise.
 */
import { RTO_DEFAULT, RTO_MAX } from './constants.js';

export class RtoEstimator {
  srtt = 0;
  rttvar = 0;
  rto = RTO_DEFAULT;

  /** Feed one RTT sample (ms, ≥ 0); `interval` and `minRto` come from the session config. */
  sample(rtt: number, interval: number, minRto: number): void {
    if (this.srtt === 0) {
      this.srtt = rtt;
      this.rttvar = rtt >> 1;
    } else {
      let delta = rtt - this.srtt;
      this.srtt += delta >> 3;
      if (delta < 0) delta = -delta;
      if (rtt < this.srtt - this.rttvar) this.rttvar += (delta - this.rttvar) >> 5;
      else this.rttvar += (delta - this.rttvar) >> 2;
    }
    const rto = this.srtt + Math.max(interval, this.rttvar << 2);
    this.rto = Math.min(Math.max(rto, minRto), RTO_MAX);
  }
}
