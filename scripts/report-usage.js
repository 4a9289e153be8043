// Preloaded (node -r) into a process whose resources a test or a benchmark measures: writes, when it exits, one JSON
// object {"maxRss": bytes, "cpuSeconds": user + system, every thread} to the file named by REPORT_USAGE_FILE, so
// neither needs /usr/bin/time.
const fs = require('fs');

/**
 * This process's own peak resident memory, bytes. On Linux, getrusage's maxrss survives exec: a process spawned by a
 * large parent (a jest worker of 370 MB) reports the parent's size at the fork, so an RSS bound failed on processes
 * far below it. VmHWM is the high-water mark of this process's own address space, which exec replaces.
 */
function peakRss(usage) {
  try {
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    if (match) return Number(match[1]) * 1024;
  } catch {
    // Not Linux: getrusage's figure.
  }
  return usage.maxRSS * 1024;
}

const file = process.env.REPORT_USAGE_FILE;
if (file) {
  process.on('exit', () => {
    const usage = process.resourceUsage();
    fs.writeFileSync(file, JSON.stringify({ maxRss: peakRss(usage), cpuSeconds: (usage.userCPUTime + usage.systemCPUTime) / 1e6 }));
  });
}
