// Preloaded (node -r) into a process whose resources a test or a benchmark measures: writes, when it exits, one JSON
// object {"maxRss": bytes, "cpuSeconds": user + system, every thread} to the file named by REPORT_USAGE_FILE, so
// neither needs /usr/bin/time.
const fs = require('fs');

const file = process.env.REPORT_USAGE_FILE;
if (file) {
  process.on('exit', () => {
    const usage = process.resourceUsage();
    fs.writeFileSync(file, JSON.stringify({ maxRss: usage.maxRSS * 1024, cpuSeconds: (usage.userCPUTime + usage.systemCPUTime) / 1e6 }));
  });
}
