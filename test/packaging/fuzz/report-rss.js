// Preloaded (node -r) into the CLI the tests run: writes the process's peak resident memory, in bytes, to the file
// named by REPORT_RSS_FILE when it exits, so a test can bound the memory of a run without /usr/bin/time.
const fs = require('fs');

const file = process.env.REPORT_RSS_FILE;
if (file) {
  process.on('exit', () => {
    fs.writeFileSync(file, String(process.resourceUsage().maxRSS * 1024));
  });
}
