// @livego/rtmp-protocol is not implemented yet; see its README for the issue that fills it.
export {};
