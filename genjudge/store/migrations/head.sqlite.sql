CREATE TABLE alembic_version (
	version_num VARCHAR(32) NOT NULL, 
	CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);

CREATE TABLE "attempts" (
	run_id VARCHAR(64) NOT NULL, 
	started_at VARCHAR(40) NOT NULL, 
	name TEXT, 
	task VARCHAR(32) NOT NULL, 
	pid INTEGER, 
	host TEXT, 
	status VARCHAR(16) NOT NULL, 
	note TEXT, 
	PRIMARY KEY (run_id)
);

CREATE TABLE "examples" (
	run_id VARCHAR(64) NOT NULL, 
	position INTEGER NOT NULL, 
	item_id TEXT NOT NULL, 
	status VARCHAR(16) NOT NULL, 
	data TEXT NOT NULL, 
	PRIMARY KEY (run_id, position), 
	FOREIGN KEY(run_id) REFERENCES runs (run_id)
);

CREATE TABLE jobs (
	job_id VARCHAR(64) NOT NULL, 
	created_at FLOAT NOT NULL, 
	owner TEXT NOT NULL, 
	status VARCHAR(16) NOT NULL, 
	payload TEXT NOT NULL, 
	worker TEXT, 
	lease_until FLOAT, 
	claims INTEGER NOT NULL, 
	progress TEXT, 
	result TEXT, 
	updated_at FLOAT NOT NULL, 
	PRIMARY KEY (job_id)
);

CREATE TABLE "judge_validations" (
	decision_id VARCHAR(64) NOT NULL, 
	created_at DATETIME NOT NULL, 
	judge_provider TEXT NOT NULL, 
	judge_model TEXT NOT NULL, 
	rubric_id TEXT NOT NULL, 
	rubric_version TEXT NOT NULL, 
	sample_fingerprint VARCHAR(64) NOT NULL, 
	accepted BOOLEAN NOT NULL, 
	level VARCHAR(32) NOT NULL, 
	record TEXT NOT NULL, 
	PRIMARY KEY (decision_id)
);

CREATE TABLE "monitor_drift" (
	monitor TEXT NOT NULL, 
	start VARCHAR(40) NOT NULL, 
	"end" VARCHAR(40) NOT NULL, 
	data TEXT NOT NULL
);

CREATE TABLE "monitor_files" (
	monitor TEXT NOT NULL, 
	path TEXT NOT NULL, 
	"offset" INTEGER NOT NULL, 
	lines INTEGER NOT NULL, 
	prefix_sha256 VARCHAR(64) NOT NULL, 
	PRIMARY KEY (monitor, path)
);

CREATE TABLE "monitor_items" (
	monitor TEXT NOT NULL, 
	item_id TEXT NOT NULL, 
	timestamp VARCHAR(40) NOT NULL, 
	window_start VARCHAR(40) NOT NULL, 
	source TEXT NOT NULL, 
	data TEXT NOT NULL, 
	label TEXT, 
	label_error TEXT, 
	PRIMARY KEY (monitor, item_id)
);

CREATE TABLE "monitor_metrics" (
	monitor TEXT NOT NULL, 
	start VARCHAR(40) NOT NULL, 
	"end" VARCHAR(40) NOT NULL, 
	metric TEXT NOT NULL, 
	subject TEXT NOT NULL, 
	label TEXT, 
	slice_column TEXT, 
	slice_value TEXT, 
	value FLOAT, 
	n INTEGER NOT NULL, 
	ci_low FLOAT, 
	ci_high FLOAT, 
	ci_method VARCHAR(40)
);

CREATE TABLE "monitor_windows" (
	monitor TEXT NOT NULL, 
	start VARCHAR(40) NOT NULL, 
	"end" VARCHAR(40) NOT NULL, 
	content_hash VARCHAR(64) NOT NULL, 
	computed_at VARCHAR(40) NOT NULL, 
	summary TEXT NOT NULL, 
	PRIMARY KEY (monitor, start)
);

CREATE TABLE "runs" (
	run_id VARCHAR(64) NOT NULL, 
	created_at VARCHAR(40) NOT NULL, 
	name TEXT, 
	task VARCHAR(32) NOT NULL, 
	set_fingerprint VARCHAR(64) NOT NULL, 
	inputs_hash VARCHAR(64) NOT NULL, 
	record TEXT NOT NULL, 
	report TEXT NOT NULL, 
	PRIMARY KEY (run_id)
);

CREATE INDEX ix_jobs_created_at ON jobs (created_at);

CREATE INDEX ix_jobs_status ON jobs (status);

CREATE INDEX ix_judge_validations_created_at ON judge_validations (created_at);

CREATE INDEX ix_judge_validations_key ON judge_validations (judge_provider, judge_model, rubric_id, rubric_version);

CREATE INDEX ix_monitor_drift_monitor ON monitor_drift (monitor);

CREATE INDEX ix_monitor_items_window_start ON monitor_items (window_start);

CREATE INDEX ix_monitor_metrics_monitor ON monitor_metrics (monitor);

CREATE INDEX ix_runs_inputs_hash ON runs (inputs_hash);

CREATE INDEX ix_runs_set_fingerprint ON runs (set_fingerprint);

INSERT INTO alembic_version (version_num) VALUES ('0003');
