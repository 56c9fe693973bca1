import { NotImplementedYet, type CaptureSession, type CaptureSource } from '@pixelpass/core';

export class PortalScreenCast implements CaptureSource {
  readonly id = 'wayland';
  async open(): Promise<CaptureSession> {
    throw new NotImplementedYet('Wayland capture is not implemented yet; use --source test');
  }
}
