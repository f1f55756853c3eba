package sdk

import "testing"

// TestThresholdTags: each feature tag the SDK has made has its threshold,
// the v1 tags (albums made before the v2 features) theirs, and a host's
// tag none.
func TestThresholdTags(t *testing.T) {
	for _, c := range []struct {
		tag  string
		want float32
		ok   bool
	}{
		{FeatureAccurate, ThresholdAccurate, true},
		{FeatureFast, ThresholdFast, true},
		{"fused-v1", 0.246, true},
		{"dlib-v1", 0.0665, true},
		{"host-v1", 0, false},
		{"", 0, false},
	} {
		if got, ok := Threshold(c.tag); got != c.want || ok != c.ok {
			t.Errorf("Threshold(%q) = %v, %v; want %v, %v", c.tag, got, ok, c.want, c.ok)
		}
	}
	if FeatureAccurate == "fused-v1" || FeatureFast == "dlib-v1" {
		t.Error("the current tags are the v1 tags: v1 features would be compared with current ones")
	}
}
