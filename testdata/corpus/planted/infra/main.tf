provider "alicloud" {
  access_key = "LTAInvGNx6jvr7SIftRutlZf"
  secret_key = "7zcpVMw0qDPAjd6OcZFv1niUK8iO5Y"
}
terraform {
  cloud { token = "QZUIC7ivuQ5PAf.atlasv1.vryeheReeR2Gjem586FBW1wypMxmmf5Q4RtrcUA5ZLyo3Nu9iLMjamCOmd1aRxYqFFF" }
}
variable "hcp" { default = "hvb.VI10CxdRfmz28o2yVCYoeWODSu0QJN-PvDf6PCl-TMlMsQ_v8zY4Idyn1ucQGdcT3oCxOKAYur9KY6PHOQeKY8EHjnkn0nUr-1e8VPGpyo-qiSKqDgXoq5jB4jIamAD3-MoDr_V-cr0IreXe1vT69_1DPS82pdcy" }
