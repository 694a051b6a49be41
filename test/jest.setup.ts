// The AWS SDK warns once per client package that releases after January 2027 need Node.js 22. Lambda runs the
// handlers on Node.js 24; only this machine's Node.js 20 triggers it, dozens of times per run.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
