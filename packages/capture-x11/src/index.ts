import { NotImplementedYet, type CaptureSession, type CaptureSource } from '@pixelpass/core';

export class X11Capture implements CaptureSource {
  readonly id = 'x11';
  async open(): Promise<CaptureSession> {
    throw new NotImplementedYet('X11 capture is not implemented yet; use --source test');
  }
}
