import { CaptureFailed } from '@pixelpass/core';

/** The user dismissed the desktop's share dialog (portal response 1). */
export class PortalCancelled extends CaptureFailed {
  constructor(detail = 'the screen-share dialog was cancelled') {
    super(detail);
  }
}

/** The portal answered a request with "other error" (response 2 or an unknown code). */
export class PortalRequestFailed extends CaptureFailed {}

/** No D-Bus session bus to talk to: not inside a desktop session. */
export class NoSessionBus extends CaptureFailed {}

/** Nobody owns org.freedesktop.portal.Desktop, or it has no ScreenCast interface. */
export class PortalUnavailable extends CaptureFailed {}

/** A portal call got no answer in time (a hung portal, or fds not negotiated). */
export class PortalTimeout extends CaptureFailed {}

/** The portal's PipeWire descriptor or stream cannot be used. */
export class PipeWireUnusable extends CaptureFailed {}
