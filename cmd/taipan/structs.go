package main

import (
	"context"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"unicode"
)

// erltermPath is the import path whose Atom and Tuple have Python types of
// their own.
const erltermPath = "github.com/taipan-go/taipan/erlterm"

// runStructs implements `taipan structs [-o FILE] DIR TYPE...`: Python
// dataclasses generated from Go struct types, so that both sides share one
// definition of a record (Venomous' `mix venomous.structs`).
func runStructs(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("structs")
	outPath := fs.String("o", "", "write the Python module to this file instead of stdout")
	pos, err := parseFlags(fs, args, stdout, stderr)
	if err != nil {
		return err
	}
	if len(pos) < 2 {
		return needArgs(fs, stderr, "structs needs a package directory (or a .go file) and at least one TYPE")
	}
	src, err := generateStructs(pos[0], pos[1:])
	if err != nil {
		return err
	}
	if *outPath == "" {
		_, err = io.WriteString(stdout, src)
		return err
	}
	return os.WriteFile(*outPath, []byte(src), 0o644)
}

// goFile is one parsed file with its imports by local name.
type goFile struct {
	imports map[string]string // local name → import path
}

// typeDecl is a type declared in the parsed package.
type typeDecl struct {
	spec *ast.TypeSpec
	file *goFile
}

// pyField is one field of a generated dataclass.
type pyField struct {
	attr, key       string // Python attribute, key on the wire
	atom, omitEmpty bool
	hint            string // type hint
	spec            string // Python converter spec, "None" when the value is used as is
	deflt           string // "= 0", "= field(default_factory=list)"...
	comment         string
}

// pyClass is one generated dataclass.
type pyClass struct {
	name, goName string
	fields       []pyField
}

// structGen turns Go struct declarations into Python classes.
type structGen struct {
	decls   map[string]typeDecl
	classes map[string]*pyClass
	order   []*pyClass
	visit   map[string]bool // named non-struct types being resolved (cycles)
}

// generateStructs parses dir (a package directory or one .go file) and
// returns the Python module for types and the structs they refer to.
func generateStructs(dir string, types []string) (string, error) {
	g := &structGen{decls: map[string]typeDecl{}, classes: map[string]*pyClass{}, visit: map[string]bool{}}
	if err := g.parse(dir); err != nil {
		return "", err
	}
	for _, name := range types {
		d, ok := g.decls[name]
		if !ok {
			return "", fmt.Errorf("structs: no type %s in %s", name, dir)
		}
		if _, ok := d.spec.Type.(*ast.StructType); !ok {
			return "", fmt.Errorf("structs: %s is not a struct type", name)
		}
		if _, err := g.class(name); err != nil {
			return "", err
		}
	}
	return g.render(dir, types), nil
}

// parse reads the package's Go files, tests excluded (or the one file
// named).
func (g *structGen) parse(dir string) error {
	var files []string
	if strings.HasSuffix(dir, ".go") {
		files = []string{dir}
	} else {
		entries, err := os.ReadDir(dir)
		if err != nil {
			return fmt.Errorf("structs: %w", err)
		}
		for _, e := range entries {
			n := e.Name()
			if !e.IsDir() && strings.HasSuffix(n, ".go") && !strings.HasSuffix(n, "_test.go") {
				files = append(files, filepath.Join(dir, n))
			}
		}
		if len(files) == 0 {
			return fmt.Errorf("structs: no Go files in %s", dir)
		}
	}
	fset := token.NewFileSet()
	for _, path := range files {
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return fmt.Errorf("structs: %w", err)
		}
		gf := &goFile{imports: map[string]string{}}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			name := p[strings.LastIndexByte(p, '/')+1:]
			if imp.Name != nil {
				name = imp.Name.Name
			}
			gf.imports[name] = p
		}
		for _, decl := range f.Decls {
			gd, ok := decl.(*ast.GenDecl)
			if !ok || gd.Tok != token.TYPE {
				continue
			}
			for _, s := range gd.Specs {
				ts := s.(*ast.TypeSpec)
				g.decls[ts.Name.Name] = typeDecl{spec: ts, file: gf}
			}
		}
	}
	return nil
}

// class returns the Python class of the named struct type, generating it
// (and the structs it refers to) on first use.
func (g *structGen) class(name string) (*pyClass, error) {
	if c, ok := g.classes[name]; ok {
		return c, nil
	}
	d := g.decls[name]
	if d.spec.TypeParams != nil {
		return nil, fmt.Errorf("structs: %s is generic; generate its instances' fields by hand", name)
	}
	st := d.spec.Type.(*ast.StructType)
	c := &pyClass{name: pyIdent(name), goName: name}
	g.classes[name] = c // before the fields: a struct may refer to itself
	fields, err := g.fields(name, st, d.file)
	if err != nil {
		return nil, err
	}
	c.fields = uniqueAttrs(fields)
	g.order = append(g.order, c)
	return c, nil
}

// fields lists a struct's fields as erlterm encodes them: by `erl` tag,
// unexported and `erl:"-"` fields skipped, untagged embedded structs
// promoted.
func (g *structGen) fields(owner string, st *ast.StructType, file *goFile) ([]pyField, error) {
	var out []pyField
	for _, f := range st.Fields.List {
		tag := ""
		hasTag := false
		if f.Tag != nil {
			raw, _ := strconv.Unquote(f.Tag.Value)
			tag, hasTag = reflect.StructTag(raw).Lookup("erl")
		}
		if tag == "-" {
			continue
		}
		if len(f.Names) == 0 { // embedded
			t := f.Type
			if s, ok := t.(*ast.StarExpr); ok {
				t = s.X
			}
			id, local := t.(*ast.Ident)
			if !hasTag && local {
				if d, ok := g.decls[id.Name]; ok {
					if est, ok := d.spec.Type.(*ast.StructType); ok {
						if _, ptr := f.Type.(*ast.StarExpr); ptr {
							continue // erlterm does not promote through pointers
						}
						promoted, err := g.fields(owner, est, d.file)
						if err != nil {
							return nil, err
						}
						out = mergePromoted(out, promoted)
						continue
					}
				}
			}
			name := typeName(t)
			if !ast.IsExported(name) {
				continue
			}
			pf, err := g.field(owner, name, tag, f.Type, file)
			if err != nil {
				return nil, err
			}
			out = append(out, pf)
			continue
		}
		for _, n := range f.Names {
			if !n.IsExported() {
				continue
			}
			pf, err := g.field(owner, n.Name, tag, f.Type, file)
			if err != nil {
				return nil, err
			}
			out = append(out, pf)
		}
	}
	return out, nil
}

// mergePromoted adds promoted fields whose keys the outer struct does not
// already have (the shallower field wins, as in erlterm and encoding/json).
func mergePromoted(out, promoted []pyField) []pyField {
	have := map[string]bool{}
	for _, f := range out {
		have[f.key] = true
	}
	for _, f := range promoted {
		if !have[f.key] {
			out = append(out, f)
		}
	}
	return out
}

// uniqueAttrs renames attributes that two keys map to ("a-b", "a_b").
func uniqueAttrs(fields []pyField) []pyField {
	seen := map[string]bool{}
	for i := range fields {
		for seen[fields[i].attr] {
			fields[i].attr += "_"
		}
		seen[fields[i].attr] = true
	}
	return fields
}

func typeName(t ast.Expr) string {
	switch x := t.(type) {
	case *ast.Ident:
		return x.Name
	case *ast.SelectorExpr:
		return x.Sel.Name
	}
	return ""
}

// field maps one Go field to a Python one.
func (g *structGen) field(owner, goName, tag string, t ast.Expr, file *goFile) (pyField, error) {
	key, opts, _ := strings.Cut(tag, ",")
	if key == "" {
		key = goName
	}
	pf := pyField{key: key, attr: pyIdent(key)}
	for opts != "" {
		var o string
		o, opts, _ = strings.Cut(opts, ",")
		switch o {
		case "omitempty":
			pf.omitEmpty = true
		case "atom":
			pf.atom = true
		}
	}
	pt, err := g.pyType(owner+goName, t, file)
	if err != nil {
		return pf, fmt.Errorf("structs: %s.%s: %w", owner, goName, err)
	}
	pf.hint, pf.spec, pf.deflt, pf.comment = pt.hint, pt.spec, pt.deflt, pt.comment
	return pf, nil
}

// pyType is a Go type's Python rendering.
type pyType struct {
	hint    string // the type hint
	spec    string // converter spec for nested structs, "None" when none is needed
	deflt   string // the default value, as Go's zero value
	comment string // why a type became Any
}

// anyType is a value passed as it is.
var anyType = pyType{hint: "Any", spec: "None", deflt: "None"}

// basicPyType maps Go's predeclared types.
func basicPyType(name string) (pyType, bool) {
	switch name {
	case "string":
		return pyType{hint: "str", spec: "None", deflt: `""`}, true
	case "bool":
		return pyType{hint: "bool", spec: "None", deflt: "False"}, true
	case "float32", "float64":
		return pyType{hint: "float", spec: "None", deflt: "0.0"}, true
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64", "uintptr", "byte", "rune":
		return pyType{hint: "int", spec: "None", deflt: "0"}, true
	case "any":
		return anyType, true
	case "error":
		return withComment(anyType, "error: no ETF mapping"), true
	}
	return pyType{}, false
}

// pyType maps a Go type expression; anon names an anonymous struct's class.
func (g *structGen) pyType(anon string, t ast.Expr, file *goFile) (pyType, error) {
	switch x := t.(type) {
	case *ast.Ident:
		if b, ok := basicPyType(x.Name); ok {
			return b, nil
		}
		d, ok := g.decls[x.Name]
		if !ok {
			return pyType{}, fmt.Errorf("unknown type %s", x.Name)
		}
		if _, ok := d.spec.Type.(*ast.StructType); ok {
			c, err := g.class(x.Name)
			if err != nil {
				return pyType{}, err
			}
			return structType(c.name), nil
		}
		if g.visit[x.Name] {
			return withComment(anyType, x.Name+" refers to itself"), nil
		}
		g.visit[x.Name] = true
		defer delete(g.visit, x.Name)
		return g.pyType(anon, d.spec.Type, d.file)
	case *ast.SelectorExpr:
		pkg, _ := x.X.(*ast.Ident)
		path := ""
		if pkg != nil {
			path = file.imports[pkg.Name]
		}
		switch path + "." + x.Sel.Name {
		case erltermPath + ".Atom":
			return pyType{hint: "Atom", spec: "None", deflt: `_Atom("")`}, nil
		case erltermPath + ".Tuple":
			return pyType{hint: "tuple", spec: "None", deflt: "()"}, nil
		case "math/big.Int":
			return pyType{hint: "int", spec: "None", deflt: "0"}, nil
		}
		return withComment(anyType, typeString(x)+": no ETF mapping known to taipan structs"), nil
	case *ast.StarExpr:
		inner, err := g.pyType(anon, x.X, file)
		if err != nil {
			return pyType{}, err
		}
		hint := inner.hint
		if hint != "Any" {
			hint = "Optional[" + hint + "]"
		}
		return pyType{hint: hint, spec: inner.spec, deflt: "None", comment: inner.comment}, nil
	case *ast.ArrayType:
		if id, ok := x.Elt.(*ast.Ident); ok && (id.Name == "byte" || id.Name == "uint8") {
			return pyType{hint: "bytes", spec: "None", deflt: `b""`}, nil
		}
		elem, err := g.pyType(anon+"Elem", x.Elt, file)
		if err != nil {
			return pyType{}, err
		}
		spec := "None"
		if elem.spec != "None" {
			spec = `("list", ` + elem.spec + `)`
		}
		return pyType{hint: "list[" + elem.hint + "]", spec: spec, deflt: "_dc.field(default_factory=list)", comment: elem.comment}, nil
	case *ast.MapType:
		k, err := g.pyType(anon+"Key", x.Key, file)
		if err != nil {
			return pyType{}, err
		}
		v, err := g.pyType(anon+"Value", x.Value, file)
		if err != nil {
			return pyType{}, err
		}
		spec := "None"
		if k.spec != "None" || v.spec != "None" {
			spec = `("dict", ` + k.spec + ", " + v.spec + ")"
		}
		return pyType{hint: "dict[" + k.hint + ", " + v.hint + "]", spec: spec, deflt: "_dc.field(default_factory=dict)", comment: strings.Trim(k.comment+"; "+v.comment, "; ")}, nil
	case *ast.InterfaceType:
		return anyType, nil
	case *ast.StructType:
		// An anonymous struct gets a class named after its field.
		c := &pyClass{name: pyIdent(anon), goName: anon}
		if _, taken := g.classes[anon]; taken {
			return pyType{}, fmt.Errorf("anonymous struct class %s clashes with a type of that name", anon)
		}
		g.classes[anon] = c
		fields, err := g.fields(anon, x, file)
		if err != nil {
			return pyType{}, err
		}
		c.fields = uniqueAttrs(fields)
		g.order = append(g.order, c)
		return structType(c.name), nil
	case *ast.ChanType, *ast.FuncType:
		return pyType{}, errors.New("channels and functions cannot be encoded")
	case *ast.IndexExpr, *ast.IndexListExpr:
		return withComment(anyType, "generic instance: not generated"), nil
	}
	return withComment(anyType, fmt.Sprintf("%T: not generated", t)), nil
}

func structType(class string) pyType {
	return pyType{hint: class, spec: `("struct", "` + class + `")`, deflt: "_dc.field(default_factory=lambda: " + class + "())"}
}

func withComment(t pyType, c string) pyType {
	t.comment = c
	return t
}

func typeString(x *ast.SelectorExpr) string {
	if id, ok := x.X.(*ast.Ident); ok {
		return id.Name + "." + x.Sel.Name
	}
	return x.Sel.Name
}

// pythonKeywords may not be attribute names.
const pythonKeywords = (`False None True and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield`)

// pyIdent turns a key into a Python identifier: invalid characters become
// "_", a leading digit or a keyword gets one more "_".
func pyIdent(s string) string {
	var b strings.Builder
	for i, r := range s {
		switch {
		case r == '_' || unicode.IsLetter(r) || (i > 0 && unicode.IsDigit(r)):
			b.WriteRune(r)
		case i == 0 && unicode.IsDigit(r):
			b.WriteString("_")
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	id := b.String()
	if id == "" {
		id = "_"
	}
	for _, k := range strings.Fields(pythonKeywords) {
		if id == k {
			return id + "_"
		}
	}
	return id
}

// structsRuntime is the part of every generated module that converts
// between the classes and the dicts on the wire.
const structsRuntime = `

def _decode(spec: Any, value: Any) -> Any:
    if spec is None or value is None:
        return value
    kind = spec[0]
    if kind == "struct":
        return _CLASSES[spec[1]].from_term(value)
    if kind == "list":
        return [_decode(spec[1], v) for v in value]
    return {_decode(spec[1], k): _decode(spec[2], v) for k, v in value.items()}


def _encode(value: Any) -> Any:
    if isinstance(value, _Struct):
        return value.to_term()
    if isinstance(value, list):
        return [_encode(v) for v in value]
    if isinstance(value, dict):
        return {_encode(k): _encode(v) for k, v in value.items()}
    return value


def _empty(value: Any) -> bool:
    # Go's omitempty: false, 0, "", nil, and empty slices and maps.
    return value is None or value is False or (
        isinstance(value, (int, float, str, bytes, list, dict, tuple)) and not value)


class _Struct:
    """Conversions shared by the generated classes.

    from_term takes the dict a Go struct arrives as (keys are str, or Atom
    for fields tagged "atom"); unknown keys are ignored and missing ones
    keep their defaults, as Go's decoder does.  to_term returns the dict
    that Go decodes back into the struct.
    """

    __slots__ = ()
    _FIELDS: ClassVar[tuple] = ()

    @classmethod
    def from_term(cls, term: Any) -> Any:
        if isinstance(term, cls):
            return term
        if not isinstance(term, dict):
            raise TypeError("%s.from_term wants a dict, not %s" % (cls.__name__, type(term).__name__))
        kwargs = {}
        for attr, key, atom, _omit, spec in cls._FIELDS:
            if atom and _Atom(key) in term:
                kwargs[attr] = _decode(spec, term[_Atom(key)])
            elif key in term:
                kwargs[attr] = _decode(spec, term[key])
        return cls(**kwargs)

    def to_term(self) -> dict:
        out = {}
        for attr, key, atom, omit, _spec in self._FIELDS:
            value = getattr(self, attr)
            if omit and _empty(value):
                continue
            out[_Atom(key) if atom else key] = _encode(value)
        return out
`

// render writes the Python module.
func (g *structGen) render(dir string, types []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Code generated by `taipan structs %s %s`; DO NOT EDIT.\n", filepath.ToSlash(dir), strings.Join(types, " "))
	b.WriteString(`"""Python dataclasses for Go structs, generated by taipan structs.

Each class mirrors one Go struct, field by field, with the keys of its erl
tags.  Convert what Go sent with Class.from_term(value); return
instance.to_term() for Go to decode into the struct.
"""

from __future__ import annotations

import dataclasses as _dc
from typing import Any, ClassVar, Optional

from taipan.terms import Atom

# The helpers use private names: a field may be called "field" or "Atom",
# and a class body looks its own names up first.
_Atom = Atom
`)
	b.WriteString(structsRuntime)
	for _, c := range g.order {
		fmt.Fprintf(&b, "\n\n@_dc.dataclass\nclass %s(_Struct):\n", c.name)
		fmt.Fprintf(&b, "    \"\"\"Go's %s.\"\"\"\n\n", c.goName)
		if len(c.fields) == 0 {
			b.WriteString("    pass\n")
		}
		for _, f := range c.fields {
			fmt.Fprintf(&b, "    %s: %s = %s", f.attr, f.hint, f.deflt)
			if f.comment != "" {
				fmt.Fprintf(&b, "  # %s", f.comment)
			}
			b.WriteString("\n")
		}
	}
	b.WriteString("\n\n# The wire layout of each class: (attribute, key, key is an atom, omitempty, converter).\n")
	for _, c := range g.order {
		fmt.Fprintf(&b, "%s._FIELDS = (\n", c.name)
		for _, f := range c.fields {
			fmt.Fprintf(&b, "    (%q, %q, %s, %s, %s),\n", f.attr, f.key, pyBool(f.atom), pyBool(f.omitEmpty), f.spec)
		}
		b.WriteString(")\n")
	}
	names := make([]string, 0, len(g.order))
	for _, c := range g.order {
		names = append(names, c.name)
	}
	sort.Strings(names)
	b.WriteString("\n_CLASSES = {")
	for i, n := range names {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%q: %s", n, n)
	}
	b.WriteString("}\n\n__all__ = [")
	for i, n := range names {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%q", n)
	}
	b.WriteString("]\n")
	return b.String()
}

func pyBool(v bool) string {
	if v {
		return "True"
	}
	return "False"
}
