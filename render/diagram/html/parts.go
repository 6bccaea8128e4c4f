package html

import (
	"encoding/json"

	"github.com/netviz/netviz/render/diagram"
)

// Parts are what Write inlines, for a page that puts them in itself and
// replaces them as the host changes (netviz serve): the SVG checked as
// Write checks it, and the details of each element as JSON, keyed by
// element id ({"kind","title","fields","members","text"}).
func Parts(d *diagram.Diagram, svg []byte) (inline []byte, data json.RawMessage, err error) {
	inline, err = inlineSVG(svg)
	if err != nil {
		return nil, nil, err
	}
	data, err = json.Marshal(nodeData(d))
	if err != nil {
		return nil, nil, err
	}
	return inline, data, nil
}
