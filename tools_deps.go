//go:build tools

package tools

import (
	_ "github.com/apache/arrow-go/v18/parquet/pqarrow"
	_ "github.com/cockroachdb/datadriven"
	_ "github.com/cockroachdb/pebble/v2"
	_ "github.com/dave/jennifer/jen"
	_ "go.yaml.in/yaml/v3"
	_ "golang.org/x/tools/txtar"
	_ "google.golang.org/protobuf/encoding/protowire"
	_ "pgregory.net/rapid"
	_ "github.com/schollz/progressbar/v3"
	_ "go.uber.org/goleak"
	_ "github.com/parquet-go/parquet-go"
)
