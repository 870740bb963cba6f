// Entry of the start-up snapshots built into the image (Dockerfile): Debian's Node.js
// ships without a start-up snapshot, so every start would bootstrap Node's own
// JavaScript (~120 ms of CPU); starting from one of these takes about half of that.
// Nothing of a candidate is ever in a snapshot: they are made once, at build time.
"use strict";
require("fs");
