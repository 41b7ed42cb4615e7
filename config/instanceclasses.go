package config

import "slices"

// RDSInstanceClasses are the RDS for PostgreSQL instance classes validation accepts, from the
// RDS User Guide's "Supported DB engines for DB instance classes" (current generations only).
// A shape check alone let typos such as db.t4g.mediun through to a failed deploy. A class
// AWS adds, or one this list lacks, is one line here.
var RDSInstanceClasses = classes("db", map[string][]string{
	"t3":   burstable,
	"t4g":  burstable,
	"m5":   {"large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge"},
	"m6g":  graviton,
	"m6i":  intel,
	"m7g":  graviton,
	"m7i":  intel,
	"r5":   {"large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge"},
	"r6g":  graviton,
	"r6i":  intel,
	"r7g":  graviton,
	"r7i":  intel,
	"x2g":  graviton,
	"m6gd": graviton,
	"r6gd": graviton,
})

// DMSInstanceClasses are the DMS replication instance classes validation accepts, from the DMS
// User Guide's "Choosing the right AWS DMS replication instance" (current generations only).
var DMSInstanceClasses = classes("dms", map[string][]string{
	"t2":  {"micro", "small", "medium", "large"},
	"t3":  {"micro", "small", "medium", "large"},
	"c5":  {"large", "xlarge", "2xlarge", "4xlarge", "9xlarge", "12xlarge", "18xlarge", "24xlarge"},
	"c6i": {"large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "32xlarge"},
	"r5":  {"large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge"},
	"r6i": {"large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "32xlarge"},
})

// DatabricksNodeTypes are the jobs' cluster node types validation accepts (databricks.nodeType):
// EC2 instance types Databricks supports on AWS ("Supported instance types",
// https://www.databricks.com/product/pricing/product-pricing/instance-types, and the AWS families
// of the "Flexible node type compatibility reference",
// https://docs.databricks.com/aws/en/compute/flexible-node-type-instances), limited to the
// families with local NVMe storage, because the clusters configure no EBS volumes; sizes as EC2
// sells them. A shape check alone let typos such as m5d.larg synthesize and fail at the first
// job run. versions.yml checks weekly that EC2 still offers the configured type in the
// workspace's zones (ec2:DescribeInstanceTypeOfferings). A type Databricks adds is one line here.
var DatabricksNodeTypes = nodeTypes(map[string][]string{
	"m5d":  {"large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge"},
	"r5d":  {"large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge"},
	"c5d":  {"large", "xlarge", "2xlarge", "4xlarge", "9xlarge", "12xlarge", "18xlarge", "24xlarge"},
	"m6id": intel,
	"r6id": intel,
	"c6id": intel,
	"m6gd": graviton,
	"r6gd": graviton,
	"c6gd": graviton,
	"m7gd": graviton,
	"r7gd": graviton,
	"i3":   {"large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "16xlarge"},
	"i3en": {"large", "xlarge", "2xlarge", "3xlarge", "6xlarge", "12xlarge", "24xlarge"},
	"i4i":  intel,
})

var (
	burstable = []string{"micro", "small", "medium", "large", "xlarge", "2xlarge"}
	graviton  = []string{"large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge"}
	intel     = []string{"large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "32xlarge"}
)

// classes lists <service>.<family>.<size> for every family and its sizes, sorted.
func classes(service string, families map[string][]string) []string {
	out := nodeTypes(families)
	for i, class := range out {
		out[i] = service + "." + class
	}
	return out
}

// nodeTypes lists <family>.<size> for every family and its sizes, sorted.
func nodeTypes(families map[string][]string) []string {
	var out []string
	for family, sizes := range families {
		for _, size := range sizes {
			out = append(out, family+"."+size)
		}
	}
	slices.Sort(out)
	return out
}
