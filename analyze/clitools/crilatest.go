package clitools

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"strings"
)

// The bundle's CRI records are decoded with the k8s.io/cri-api types the
// module builds with (v0.34), while crictl v1.37.0 prints with v0.37. The
// differences that reach crictl's JSON and YAML are these, applied to the
// protojson text (fields a v0.34 record cannot hold print as v0.37 prints
// them unset):
//   - ImageSpec gained image_ref (field 20, declared last): "imageRef": "".
//   - The Signal enum's names gained a SIGNAL_ prefix (stopSignal).

// node is a JSON value that keeps its object keys in order, so the fix-up
// keeps protojson's field order.
type node struct {
	keys []string
	vals map[string]*node
	arr  []*node
	raw  json.RawMessage // a scalar
	kind byte            // '{', '[' or 0
}

func decodeNode(dec *json.Decoder) (*node, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		n := &node{kind: byte(t)}
		if t == '{' {
			n.vals = map[string]*node{}
		}
		for dec.More() {
			if t == '{' {
				k, err := dec.Token()
				if err != nil {
					return nil, err
				}
				key, _ := k.(string)
				v, err := decodeNode(dec)
				if err != nil {
					return nil, err
				}
				n.keys = append(n.keys, key)
				n.vals[key] = v
				continue
			}
			v, err := decodeNode(dec)
			if err != nil {
				return nil, err
			}
			n.arr = append(n.arr, v)
		}
		if _, err := dec.Token(); err != nil { // the closing delimiter
			return nil, err
		}
		return n, nil
	}
	raw, err := json.Marshal(tok)
	if err != nil {
		return nil, err
	}
	return &node{raw: raw}, nil
}

func (n *node) encode(w io.Writer) {
	switch n.kind {
	case '{':
		io.WriteString(w, "{")
		for i, k := range n.keys {
			if i > 0 {
				io.WriteString(w, ",")
			}
			kb, _ := json.Marshal(k)
			w.Write(kb)
			io.WriteString(w, ":")
			n.vals[k].encode(w)
		}
		io.WriteString(w, "}")
	case '[':
		io.WriteString(w, "[")
		for i, v := range n.arr {
			if i > 0 {
				io.WriteString(w, ",")
			}
			v.encode(w)
		}
		io.WriteString(w, "]")
	default:
		w.Write(n.raw)
	}
}

// toLatest applies the v0.37 differences to the tree.
func (n *node) toLatest() {
	for _, v := range n.arr {
		v.toLatest()
	}
	if n.kind != '{' {
		return
	}
	for _, k := range n.keys {
		v := n.vals[k]
		if k == "stopSignal" && v.kind == 0 {
			var s string
			if json.Unmarshal(v.raw, &s) == nil && !strings.HasPrefix(s, "SIGNAL_") {
				v.raw, _ = json.Marshal("SIGNAL_" + s)
			}
		}
		v.toLatest()
	}
	_, spec := n.vals["userSpecifiedImage"]
	if _, has := n.vals["imageRef"]; spec && !has {
		n.keys = append(n.keys, "imageRef")
		n.vals["imageRef"] = &node{raw: json.RawMessage(`""`)}
	}
}

// latestJSON rewrites compact protojson output as v0.37 would print it.
func latestJSON(js []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.UseNumber()
	n, err := decodeNode(dec)
	if err != nil {
		return nil, fmt.Errorf("protojson output: %w", err)
	}
	n.toLatest()
	var buf bytes.Buffer
	n.encode(&buf)
	return buf.Bytes(), nil
}

// fieldNames are the JSON names of a CRI message's fields, as crictl's
// marshalMapInOrder finds them (the protobuf tag's json= name): crictl's
// inspect output has every one of them, null when protojson left it out.
func fieldNames(msg any) []string {
	t := reflect.TypeOf(msg)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	var out []string
	for i := range t.NumField() {
		tag := t.Field(i).Tag
		name := strings.Split(tag.Get("json"), ",")[0]
		for f := range strings.SplitSeq(tag.Get("protobuf"), ",") {
			if j, ok := strings.CutPrefix(f, "json="); ok {
				name = j
			}
		}
		if name != "" && name != "-" {
			out = append(out, name)
		}
	}
	return out
}
