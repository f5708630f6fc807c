"""Speed and memory measurements; results and commands in docs/performance.md."""
