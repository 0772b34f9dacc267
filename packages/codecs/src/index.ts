// @livego/codecs: being written (issue #3).
export {};
