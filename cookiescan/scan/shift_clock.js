(shiftMs) => {
  // Run this page's clock ahead by shiftMs (a "later" visit): Date and Date.now, installed before any site
  // script. Dates the site builds (a cookie's Expires) follow it; timers and performance.now do not.
  const RealDate = Date;
  class ShiftedDate extends RealDate {
    constructor(...args) {
      if (args.length === 0) super(RealDate.now() + shiftMs);
      else super(...args);
    }
    static now() { return RealDate.now() + shiftMs; }
  }
  ShiftedDate.UTC = RealDate.UTC;
  ShiftedDate.parse = RealDate.parse;
  Object.defineProperty(window, 'Date', {value: ShiftedDate, writable: true, configurable: true});
}
