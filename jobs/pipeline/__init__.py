"""The platform's main job on a laptop (make pipeline): sample sources in the producers' own
bronze layouts, then the batch and streaming jobs to silver on local Spark. The warehouse's
part (dbt over silver, the gold report) runs in warehouse/."""
