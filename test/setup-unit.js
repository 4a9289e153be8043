// Environment of the unit tier's workers: in-process synthesis, no child process. The synth-time syntax check of
// inference.py starts Python, so it is turned off here through the CDK context every App reads from CDK_CONTEXT_JSON
// (lib/common/python-syntax.ts, SYNTAX_CHECK_CONTEXT); the local tier tests the check itself.
process.env.CDK_CONTEXT_JSON = JSON.stringify({
  ...JSON.parse(process.env.CDK_CONTEXT_JSON || '{}'),
  'cdk-pytorch-sagemaker:pythonSyntaxCheck': false,
});
