package hostile
import "testing"
func TestTmpWrite(t *testing.T) {
	s := Minimal()
	for _, mu := range Mutations() {
		if mu.Name == "manifest-60mb-note" {
			a, _ := mu.Build(s, "", Light)
			if err := a.WriteFile("/tmp/hb/note.tar.zst"); err != nil { t.Fatal(err) }
		}
	}
}
