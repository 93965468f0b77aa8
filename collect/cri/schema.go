package cri

import schema "github.com/rtsnap/rtsnap/internal/schema/cri"

// The file types live in internal/schema/cri so the analyzer can read them
// without importing the collector.
type (
	Call                = schema.Call
	VersionRecord       = schema.VersionRecord
	StatusRecord        = schema.StatusRecord
	RuntimeConfigRecord = schema.RuntimeConfigRecord
	PodList             = schema.PodList
	PodRecord           = schema.PodRecord
	ContainerList       = schema.ContainerList
	ContainerRecord     = schema.ContainerRecord
	ImageList           = schema.ImageList
	ImageRecord         = schema.ImageRecord
)
