// Environment of every test worker.
// The handlers run on Lambda's Node.js 24 runtime; tests run their code on this machine's Node.js, where the AWS SDK
// v3 warns that future SDK releases will need Node.js 22. That warning is about the test host, not the handlers.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
