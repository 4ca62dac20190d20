"""TF 1.x ``tf.contrib`` names kflow offers: ``kflow.contrib.eager`` (``import kflow.contrib.eager as tfe``)."""
