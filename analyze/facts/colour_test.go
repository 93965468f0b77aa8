package facts

import (
	"testing"
	"time"
)

// journalctl -o json writes a MESSAGE that is not printable UTF-8 as an
// array of byte values (internal/journalfield cites the threads). The
// record keeps its time, unit and pid, and its message loses the colour
// escapes: what the catalog, evidence and the timeline read.
func TestByteArrayMessageWithColours(t *testing.T) {
	// "\x1b[31mE0601\x1b[0m pod failed" as bytes.
	n := nodeWith(map[string]string{"journal/kubelet.jsonl": `{"__REALTIME_TIMESTAMP":"1795512600000000","_SYSTEMD_UNIT":"kubelet.service","_PID":"7","MESSAGE":[27,91,51,49,109,69,48,54,48,49,27,91,48,109,32,112,111,100,32,102,97,105,108,101,100]}
{"__REALTIME_TIMESTAMP":"1795512600000001","_SYSTEMD_UNIT":"kubelet.service","MESSAGE":"\u001b[1;33mW0601\u001b[0m plain string with escapes"}
{"__REALTIME_TIMESTAMP":"1795512600000002","_SYSTEMD_UNIT":"kubelet.service","MESSAGE":[300,1]}
`}, DefaultParsers())
	lf := n.Logs["journal/kubelet.jsonl"]
	if lf == nil || len(lf.Records) != 3 {
		t.Fatalf("log file = %+v", lf)
	}
	want := []string{"E0601 pod failed", "W0601 plain string with escapes", ""}
	for i, r := range lf.Records {
		if r.Message != want[i] || r.Unit != "kubelet.service" || !r.Time.Equal(time.UnixMicro(1795512600000000+int64(i)).UTC()) {
			t.Errorf("record %d = %+v, want message %q", i, r, want[i])
		}
	}
	if lf.Records[0].PID != "7" {
		t.Errorf("pid %q", lf.Records[0].PID)
	}
}

// A CRI container log line and a daemon log file line, coloured.
func TestTextLogColours(t *testing.T) {
	n := nodeWith(map[string]string{
		"logs/pods/ns/pod/c/0.log": "2026-11-24T09:30:01.5Z stderr F \x1b[31mERROR\x1b[39m: ESOCKETTIMEDOUT\n",
		"journal/files/crio.log":   "\x1b[36mtime\x1b[0m=\"2026-11-24T09:30:02Z\" level=error msg=\"x\"\n",
	}, DefaultParsers())
	if r := n.Logs["logs/pods/ns/pod/c/0.log"].Records; len(r) != 1 || r[0].Message != "ERROR: ESOCKETTIMEDOUT" || r[0].Time.IsZero() {
		t.Errorf("container log %+v", r)
	}
	if r := n.Logs["journal/files/crio.log"].Records; len(r) != 1 || r[0].Time.IsZero() || r[0].Message != `time="2026-11-24T09:30:02Z" level=error msg="x"` {
		t.Errorf("daemon log %+v", r)
	}
}
