package taipan

import (
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/taipan-go/taipan/erlterm"
	"github.com/taipan-go/taipan/pets"
	"github.com/taipan-go/taipan/snakes"
)

// optionTypes are the options structs docs/security.md may name, by the
// name it writes them with.
var optionTypes = map[string]reflect.Type{
	"taipan.Options":            reflect.TypeFor[Options](),
	"snakes.Options":            reflect.TypeFor[snakes.Options](),
	"snakes.PoolOptions":        reflect.TypeFor[snakes.PoolOptions](),
	"snakes.InterpreterOptions": reflect.TypeFor[snakes.InterpreterOptions](),
	"pets.Options":              reflect.TypeFor[pets.Options](),
	"pets.PetOptions":           reflect.TypeFor[pets.PetOptions](),
	"erlterm.DecodeOptions":     reflect.TypeFor[erlterm.DecodeOptions](),
	"erlterm.EncodeOptions":     reflect.TypeFor[erlterm.EncodeOptions](),
	"erlterm.StreamOptions":     reflect.TypeFor[erlterm.StreamOptions](),
	"snakes.Limits":             reflect.TypeFor[snakes.Limits](),
}

// TestSecurityOptionsDocumented holds docs/security.md to its promise:
// every option it names (`pkg.Type.Field`) exists, and docs/configuration.md
// lists it in a table row of that type's section.
func TestSecurityOptionsDocumented(t *testing.T) {
	sec, err := os.ReadFile("docs/security.md")
	if err != nil {
		t.Fatal(err)
	}
	conf, err := os.ReadFile("docs/configuration.md")
	if err != nil {
		t.Fatal(err)
	}
	named := regexp.MustCompile("`((?:taipan|snakes|pets|erlterm)\\.[A-Z]\\w*)\\.([A-Z]\\w*)`").FindAllStringSubmatch(string(sec), -1)
	if len(named) == 0 {
		t.Fatal("docs/security.md names no option as `pkg.Type.Field`")
	}
	for _, m := range named {
		typ, field := m[1], m[2]
		rt, ok := optionTypes[typ]
		if !ok {
			t.Errorf("docs/security.md names %s.%s: %s is not an options type this test knows (add it to optionTypes)", typ, field, typ)
			continue
		}
		if _, ok := rt.FieldByName(field); !ok {
			t.Errorf("docs/security.md names %s.%s: %s has no field %s", typ, field, typ, field)
			continue
		}
		if !sectionLists(string(conf), typ, field) {
			t.Errorf("docs/security.md names %s.%s: docs/configuration.md's section on `%s` has no row for `%s`", typ, field, typ, field)
		}
	}
}

// sectionLists reports whether a "## " section of the markdown doc whose
// heading names typ ("pkg.Type" or "Type", in backquotes) has a table row
// whose first cell names field ("Field" or "Type.Field", in backquotes).
func sectionLists(doc, typ, field string) bool {
	_, short, _ := strings.Cut(typ, ".")
	for _, sec := range strings.Split(doc, "\n## ")[1:] {
		heading, body, _ := strings.Cut(sec, "\n")
		if !strings.Contains(heading, "`"+typ+"`") && !strings.Contains(heading, "`"+short+"`") {
			continue
		}
		for _, line := range strings.Split(body, "\n") {
			cells := strings.Split(line, "|")
			if len(cells) < 3 || cells[0] != "" {
				continue
			}
			if strings.Contains(cells[1], "`"+field+"`") || strings.Contains(cells[1], "`"+short+"."+field+"`") {
				return true
			}
		}
	}
	return false
}
