package facts

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/rtsnap/rtsnap/internal/journalfield"
	"github.com/rtsnap/rtsnap/internal/termcodes"
)

// refLogLine is parseLogLine as it was with encoding/json (session 8): the
// reference the JSON v2 engine's decoding is held to.
func refLogLine(line []byte) (LogRecord, error) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(line, &obj); err != nil {
		return LogRecord{}, err
	}
	str := func(keys []string) string {
		for _, k := range keys {
			raw, ok := obj[k]
			if !ok {
				continue
			}
			if s, ok := journalfield.String(raw, 4*MaxMessageBytes); ok {
				return s
			}
			var f json.Number
			if json.Unmarshal(raw, &f) == nil {
				return f.String()
			}
		}
		return ""
	}
	var rec LogRecord
	for _, k := range timeKeys {
		if raw, ok := obj[k]; ok {
			if t, ok := parseTime(raw); ok {
				rec.Time = t
				break
			}
		}
	}
	rec.Message = cutString(termcodes.Strip(str(messageKeys)), MaxMessageBytes)
	rec.Unit = cutString(str(unitKeys), 256)
	rec.PID = cutString(str(pidKeys), 32)
	return rec, nil
}

// Journal lines as journalctl -o json writes them (a lab kubelet entry, a
// coloured docker-driver entry as bytes) and hostile variants: escapes,
// invalid UTF-8, duplicate and case-variant keys, wrong types, trailing data.
var logLineCases = []string{
	`{"__REALTIME_TIMESTAMP":"1795512600000000","_SYSTEMD_UNIT":"kubelet.service","_PID":"812","MESSAGE":"E1124 09:29:59.123456 812 pod_workers.go:1301] \"Error syncing pod, skipping\" err=\"failed to \\\"StartContainer\\\"\" pod=\"ns/p\""}`,
	`{"__REALTIME_TIMESTAMP":"1795512600000001","_SYSTEMD_UNIT":"docker.service","MESSAGE":[27,91,51,54,109,112,97,115,115,27,91,48,109,61,120]}`,
	`{"MESSAGE":"a\u0000b\ud800c\u001b[2Jd","_PID":812}`,
	"{\"MESSAGE\":\"\xff\xfe invalid \xc3\"}",
	`{"MESSAGE":"first","MESSAGE":"second","message":"lower"}`,
	`{"Message":"case variant","MESSAGE":7e3}`,
	`{"MESSAGE":{"nested":"object"},"msg":"fallback"}`,
	`{"MESSAGE":"x"} trailing`,
	`{"MESSAGE":"unterminated}`,
	`["not","an","object"]`,
	`{"time":"2026-11-24T09:30:00.123456789+01:00","log":"` + strings.Repeat(`\"q\\`, 2000) + `"}`,
	`{"ts":1795512600.5,"MESSAGE":[256,1]}`,
	`{"MESSAGE":"` + strings.Repeat("é", 3000) + `"}`,
	`{"MESSAGE":null,"msg":"after null"}`,
}

func TestLogLinesMatchEncodingJSON(t *testing.T) {
	for _, c := range logLineCases {
		want, werr := refLogLine([]byte(c))
		got, gerr := parseLogLine([]byte(c))
		if (werr == nil) != (gerr == nil) || got != want {
			t.Errorf("%.80q:\n got %+v, %v\nwant %+v, %v", c, got, gerr, want, werr)
		}
	}
}

func FuzzLogLineMatchesEncodingJSON(f *testing.F) {
	for _, c := range logLineCases {
		f.Add(c)
	}
	f.Fuzz(func(t *testing.T, c string) {
		want, werr := refLogLine([]byte(c))
		got, gerr := parseLogLine([]byte(c))
		if (werr == nil) != (gerr == nil) || got != want {
			t.Fatalf("%q:\n got %+v, %v\nwant %+v, %v", c, got, gerr, want, werr)
		}
	})
}
